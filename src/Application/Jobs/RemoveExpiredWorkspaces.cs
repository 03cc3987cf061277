using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Retention: removes the workspaces of jobs that finished before <see cref="FinishedBefore"/>, recording
/// <see cref="WorkspaceRemoved"/>; the jobs themselves, their events and logs stay. A removal that cannot finish is
/// recorded (<see cref="WorkspaceRemovalFailed"/>) and tried again on the next sweep, as is the folder of every deleted
/// job whose removal did not finish. Not a request: only the retention schedule runs it, calling <see cref="Handler"/>
/// directly.
/// </summary>
public sealed record RemoveExpiredWorkspaces(DateTimeOffset FinishedBefore)
{
    public sealed class Handler(IEventStore store, IExpiredWorkspaces jobs, IWorkspaceCloner workspaces, IStartLock starts, TimeProvider clock)
    {
        /// <summary>Removes what is due; how many workspaces and folders were removed.</summary>
        public async Task<int> HandleAsync(RemoveExpiredWorkspaces command, CancellationToken cancellationToken)
        {
            var expired = await jobs.FinishedBeforeAsync(command.FinishedBefore, cancellationToken);
            var leftOver = await jobs.RemovalPendingAsync(cancellationToken);

            var removed = 0;
            foreach (var job in expired)
            {
                // Under the hold a follow-up is queued under: the job is still finished when its workspace goes, and a
                // follow-up read before the removal is recorded finds the job changed (a 409), never a missing workspace.
                await using (await starts.HoldAsync(job.User, cancellationToken))
                {
                    var current = await store.LoadJobAsync(job.JobId, cancellationToken);
                    if (current.Status.IsFinished())
                    {
                        removed += await RecordAsync(job, "retention", await workspaces.RemoveWorkspaceAsync(job.JobId, cancellationToken));
                    }
                }
            }

            foreach (var job in leftOver)
            {
                removed += await RecordAsync(job, "deleted", await workspaces.RemoveJobFolderAsync(job.JobId, cancellationToken));
            }

            return removed;
        }

        private async Task<int> RecordAsync(JobView view, string reason, FolderRemoval removal)
        {
            // A deleted job's folder found gone is done with too; an expired workspace that never existed has nothing to record.
            var job = await store.LoadJobAsync(view.JobId, CancellationToken.None);
            var facts = job.RecordRemoval(reason, removal.Removed, removal.Failure, clock.GetUtcNow());
            if (facts is { IsSuccess: true, Value.Length: > 0 })
            {
                store.Append(JobStream.For(view.JobId), facts.Value);
                await store.SaveChangesAsync(CancellationToken.None);
            }

            return removal.Removed ? 1 : 0;
        }
    }
}
