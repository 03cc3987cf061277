using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Retention: removes the workspaces of jobs that finished before <see cref="FinishedBefore"/>, recording
/// <see cref="WorkspaceRemoved"/>; the jobs themselves, their events and logs stay.
/// </summary>
public sealed record RemoveExpiredWorkspaces(DateTimeOffset FinishedBefore) : ICommand<int>
{
    public sealed class Handler(IEventStore store, IReadModels readModels, IWorkspaceCloner workspaces, TimeProvider clock)
        : ICommandHandler<RemoveExpiredWorkspaces, int>
    {
        public async ValueTask<int> Handle(RemoveExpiredWorkspaces command, CancellationToken cancellationToken)
        {
            var expired = await readModels.QueryAsync<JobView>(
                jobs => jobs.Where(j => !j.Deleted && j.WorkspaceRemovedAt == null && j.CompletedAt != null && j.CompletedAt < command.FinishedBefore),
                cancellationToken);

            var removed = 0;
            foreach (var job in expired)
            {
                if (await workspaces.RemoveWorkspaceAsync(job.JobId, cancellationToken))
                {
                    store.Append(JobStream.For(job.JobId), new WorkspaceRemoved(job.JobId, "retention", clock.GetUtcNow()));
                    await store.SaveChangesAsync(cancellationToken);
                    removed++;
                }
            }

            return removed;
        }
    }
}
