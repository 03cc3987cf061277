using ClaudeBatch.Application.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

internal sealed class MartenExpiredWorkspaces(IQuerySession session) : IExpiredWorkspaces
{
    public async Task<IReadOnlyList<JobView>> FinishedBeforeAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken) =>
        await session.Query<JobView>()
            .Where(j => !j.Deleted && j.WorkspaceRemovedAt == null && j.CompletedAt != null && j.CompletedAt < finishedBefore)
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<JobView>> RemovalPendingAsync(CancellationToken cancellationToken) =>
        await session.Query<JobView>().Where(j => j.Deleted && j.RemovalPending).ToListAsync(cancellationToken);
}
