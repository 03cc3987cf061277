using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Queues a created job: <see cref="JobQueued"/> and the durable <see cref="RunJob"/> message commit together, unless
/// the user already has <c>Jobs:MaxQueuedPerUser</c> jobs waiting or the server <c>Jobs:MaxQueued</c> (429).
/// </summary>
public sealed record StartJob(string JobId, string User) : ICommand<Result<StartJob.Response>>
{
    public sealed record Response(string JobId, JobStatus Status, int QueuePosition);

    /// <summary>Why a start is refused for the queue's sake, or null when it fits.</summary>
    public static DomainError? OverCap(int queuedByUser, int queuedInAll, JobsOptions options) =>
        queuedByUser >= options.MaxQueuedPerUser
            ? new DomainError(
                "too-many-queued-jobs",
                $"You have {queuedByUser} jobs waiting to run, the most Jobs:MaxQueuedPerUser ({options.MaxQueuedPerUser}) allows; start this one when some of them have begun.",
                ErrorKind.TooManyRequests)
            : queuedInAll >= options.MaxQueued
                ? new DomainError(
                    "queue-full",
                    $"The server has {queuedInAll} jobs waiting to run, the most Jobs:MaxQueued ({options.MaxQueued}) allows; try again later.",
                    ErrorKind.TooManyRequests)
                : null;

    public sealed class Handler(IEventStore store, IStartLock starts, IQueuePosition positions, IJobCounts counts, JobsOptions options, TimeProvider clock)
        : ICommandHandler<StartJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(StartJob command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var queued = job.Value.Start(clock.GetUtcNow());
            if (!queued.IsSuccess)
            {
                return queued.Error;
            }

            var refusal = await QueueAsync(store, starts, counts, options, job.Value, command.User, queued.Value, cancellationToken);
            if (refusal is not null)
            {
                return refusal;
            }

            return new Response(command.JobId, JobStatus.Queued, await positions.OfAsync(command.JobId, cancellationToken));
        }
    }

    /// <summary>
    /// Queues a run of <paramref name="job"/> (its start, or a follow-up's turn): <paramref name="fact"/> and the durable
    /// <see cref="RunJob"/> commit together, counted and committed under the user's hold so that starts sent at once
    /// cannot pass the caps together, and only if nobody wrote to the job since it was read. The refusal, if over a cap.
    /// </summary>
    internal static async Task<DomainError?> QueueAsync(
        IEventStore store, IStartLock starts, IJobCounts counts, JobsOptions options, Job job, string user, object fact, CancellationToken cancellationToken)
    {
        await using (await starts.HoldAsync(user, cancellationToken))
        {
            var refusal = OverCap(
                await counts.CountAsync(user, JobStatus.Queued, cancellationToken),
                await counts.CountAllAsync(JobStatus.Queued, cancellationToken),
                options);
            if (refusal is not null)
            {
                return refusal;
            }

            store.AppendExpecting(JobStream.For(job.JobId), job.Version, fact);
            await store.EnqueueAsync(new RunJob(job.JobId));
            await store.SaveChangesAsync(cancellationToken);
            return null;
        }
    }
}
