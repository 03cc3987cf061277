using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

internal sealed class MartenInterruptedJobs(IQuerySession session) : IInterruptedJobs
{
    public async Task<IReadOnlyList<JobView>> OfNodeAsync(string node, CancellationToken cancellationToken) =>
        await session.Query<JobView>()
            .Where(j => j.Node == node && JobStatuses.Active.Contains(j.Status))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<JobView>> LostByNodeAsync(string node, DateTimeOffset since, CancellationToken cancellationToken) =>
        await session.Query<JobView>()
            .Where(j => j.Node == node && j.Status == JobStatus.Failed && j.Error == TakeOverLostJob.Reason && j.CompletedAt >= since)
            .ToListAsync(cancellationToken);
}
