using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>Cancels a job: at once if it has not begun, by killing its processes if it has. The workspace stays.</summary>
public sealed record CancelJob(string JobId, string User) : ICommand<Result<CancelJob.Response>>
{
    public sealed record Response(string JobId, JobStatus Status, string Message);

    public sealed class Handler(IEventStore store, IJobCancellation cancellation, TimeProvider clock)
        : ICommandHandler<CancelJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(CancelJob command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var cancelled = job.Value.Cancel(command.User, clock.GetUtcNow());
            if (!cancelled.IsSuccess)
            {
                return cancelled.Error;
            }

            // Not version-checked: the pipeline appends as it runs, and a cancel must not lose that race.
            store.Append(JobStream.For(command.JobId), cancelled.Value);
            await store.SaveChangesAsync(cancellationToken);
            cancellation.Signal(command.JobId);

            return cancelled.Value.OfType<JobCancelled>().Any()
                ? new Response(command.JobId, JobStatus.Cancelled, "The job was cancelled before it ran.")
                : new Response(command.JobId, job.Value.Status, "Cancellation requested; the job's processes are being stopped.");
        }
    }
}
