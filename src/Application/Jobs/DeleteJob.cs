using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Stops a job if it runs, removes its folder (workspace and logs), and hides it from every route. A folder that cannot
/// be removed yet does not keep the job: it is deleted all the same, <see cref="Response.RemovalPending"/> says so, and
/// the retention sweep removes what is left.
/// </summary>
public sealed record DeleteJob(string JobId, string User) : ICommand<Result<DeleteJob.Response>>
{
    public sealed record Response(bool Success, bool Terminated, bool CowRemoved, bool RemovalPending);

    /// <summary>
    /// How long a delete waits for the job's pipeline to end it. A pipeline that does not (its server went away) is
    /// overtaken: the job's processes here are killed all the same before its folder is removed.
    /// </summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan StopPoll = TimeSpan.FromMilliseconds(100);

    public sealed class Handler(
        IEventStore store, IJobCancellation cancellation, IWorkspaceCloner workspaces, ICodeIndex codeIndex, IJobIdentity identities,
        IJobContainment containment, JobMetrics metrics, TimeProvider clock)
        : ICommandHandler<DeleteJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(DeleteJob command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var terminated = !job.Value.Status.IsFinished() && job.Value.Status != JobStatus.Created;
            if (!job.Value.Status.IsFinished())
            {
                // A pipeline that has the job ends it itself, and only after everything the job started is stopped.
                var cancelled = await CancelJob.RequestAsync(store, cancellation, metrics, command.JobId, command.User, clock.GetUtcNow(), cancellationToken);
                if (!cancelled.IsSuccess && cancelled.Error.Code != "job-finished")
                {
                    return cancelled.Error;
                }

                job = await WaitUntilStoppedAsync(command.JobId, cancellationToken);
            }

            // Before anything is removed: none of the job's processes may still be writing in (or planting links into) its folder.
            await containment.CloseAsync(command.JobId, cancellationToken);

            if (job.Value!.Options.CidxAware
                && (await identities.ResolveAsync(job.Value.User, job.Value.OwnerUid, cancellationToken)).Identity is { } identity)
            {
                await codeIndex.UninstallAsync(job.Value.CowPath, identity, cancellationToken);
            }

            // The job's processes are dead (its cgroup, above). Anything else of the user's still writing cannot make
            // root touch anything outside the folder; it can only make the removal fail, be recorded and be retried.
            // Once begun, the removal is finished and recorded even if the caller goes away.
            var removal = await workspaces.RemoveJobFolderAsync(command.JobId, CancellationToken.None);
            store.Append(JobStream.For(command.JobId), job.Value!.Delete(command.User, terminated, removal.Removed, removal.Failure, clock.GetUtcNow()));
            await store.SaveChangesAsync(CancellationToken.None);
            return new Response(true, terminated, removal.Removed, removal.Failure is not null);
        }

        private async Task<Result<Job>> WaitUntilStoppedAsync(string jobId, CancellationToken cancellationToken)
        {
            var deadline = clock.GetUtcNow() + StopWait;
            while (true)
            {
                var job = await store.LoadJobAsync(jobId, cancellationToken);
                if (job.Status.IsFinished() || clock.GetUtcNow() > deadline)
                {
                    return job;
                }

                await Task.Delay(StopPoll, clock, cancellationToken);
            }
        }
    }
}
