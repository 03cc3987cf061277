using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Cancels a job: at once if no pipeline has taken it, else by asking its pipeline to stop (which kills its processes and
/// records the job's one <see cref="JobCancelled"/>). The workspace stays.
/// </summary>
public sealed record CancelJob(string JobId, string User) : ICommand<Result<CancelJob.Response>>
{
    public sealed record Response(string JobId, JobStatus Status, string Message);

    /// <summary>How often a cancel that raced a pipeline taking the job decides again.</summary>
    private const int Attempts = 3;

    /// <summary>
    /// Records the job's cancellation as the job decides it and signals its pipeline; answers the job as it was and what
    /// was recorded. A cancel at once is committed only if no pipeline took the job meanwhile (else it asks that pipeline).
    /// </summary>
    public static async Task<Result<(Job Job, object[] Facts)>> RequestAsync(
        IEventStore store, IJobCancellation cancellation, JobMetrics metrics, string jobId, string user, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await store.LoadOwnJobAsync(jobId, user, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var cancelled = job.Value.Cancel(user, now);
            if (!cancelled.IsSuccess)
            {
                return cancelled.Error;
            }

            if (cancelled.Value.OfType<JobCancelled>().Any())
            {
                store.AppendExpecting(JobStream.For(jobId), job.Value.Version, cancelled.Value);
            }
            else
            {
                // Not version-checked: the pipeline appends as it runs, and a request to stop must not lose that race.
                store.Append(JobStream.For(jobId), cancelled.Value);
            }

            try
            {
                await store.SaveChangesAsync(cancellationToken);
            }
            catch (ConcurrencyConflictException) when (attempt < Attempts)
            {
                continue;
            }

            cancellation.Signal(jobId);
            foreach (var ended in cancelled.Value.OfType<JobCancelled>())
            {
                metrics.Ended(job.Value, ended);
            }

            return (job.Value, cancelled.Value);
        }
    }

    public sealed class Handler(IEventStore store, IJobCancellation cancellation, JobMetrics metrics, TimeProvider clock)
        : ICommandHandler<CancelJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(CancelJob command, CancellationToken cancellationToken)
        {
            var requested = await RequestAsync(store, cancellation, metrics, command.JobId, command.User, clock.GetUtcNow(), cancellationToken);
            if (!requested.IsSuccess)
            {
                return requested.Error;
            }

            var (job, facts) = requested.Value;
            return facts.OfType<JobCancelled>().Any()
                ? new Response(command.JobId, JobStatus.Cancelled, "The job was cancelled before it ran.")
                : new Response(command.JobId, job.Status, "Cancellation requested; the job's processes are being stopped.");
        }
    }
}
