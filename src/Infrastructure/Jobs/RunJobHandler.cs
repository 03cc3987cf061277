using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;
using Wolverine.Transports;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Wolverine delivers <see cref="RunJob"/> from the durable "jobs" queue; the job waits there for its fair turn
/// (<see cref="IJobSlots"/>), then <see cref="JobPipeline"/> runs it.
/// </summary>
public static class RunJobHandler
{
    public const string Queue = "jobs";

    /// <summary>
    /// Every queued job is delivered at once and waits in the scheduler's line, so the scheduler, not the queue's FIFO
    /// order, decides who runs next: the queue admits <c>Jobs:MaxConcurrent</c> + <c>Jobs:MaxQueued</c> messages in
    /// flight (an idle one costs ~150 bytes), and after a restart the inbox recovery refills that many.
    /// </summary>
    public static void UseFairJobQueue(this WolverineOptions options, JobsOptions jobs)
    {
        // The options are checked at start, after this (a bad value stops the server then): kept in range meanwhile.
        var inFlight = Math.Clamp(jobs.MaxConcurrent, 1, JobsOptions.MaxQueuedLimit) + Math.Clamp(jobs.MaxQueued, 1, JobsOptions.MaxQueuedLimit);
        options.LocalQueue(Queue)
            .MaximumParallelMessages(inFlight)
            .UseDurableInbox(new BufferingLimits(inFlight + options.Durability.RecoveryBatchSize + 1, inFlight));
        options.PublishMessage<RunJob>().ToLocalQueue(Queue);
    }

    public static void Configure(HandlerChain chain)
    {
        // The job's own timeout rules, not Wolverine's 60 s default (Jobs:TimeoutHours is at most 30 days).
        chain.ExecutionTimeoutInSeconds = 31 * 24 * 60 * 60;
        // Cancelled only when the server stops: the message stays in the inbox for the next start, however often
        // that happens while the job waits.
        chain.OnException<OperationCanceledException>().RequeueIndefinitely();
        // The database away when the pipeline takes its job (the first command on a pooled connection that a database
        // restart broke fails, 57P01): nothing was written, so the job waits for its turn again and is taken then. Without
        // this the message went to the dead letters and the job stayed "queued" for good. Past the cooldowns (~21 min of
        // the database away) the retry is scheduled in the durable inbox, once a minute, for as long as it takes.
        chain.OnException(Persistence.DatabaseAvailability.IsUnavailable, "the database is unavailable")
            .RetryWithCooldown([
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10),
                .. Enumerable.Repeat(TimeSpan.FromMinutes(1), 21),
            ])
            .Then.ScheduleRetryIndefinitely(TimeSpan.FromMinutes(1));
    }

    public static async Task Handle(RunJob message, IServiceScopeFactory scopes, IJobSlots slots, CancellationToken cancellationToken)
    {
        // No scope while waiting: thousands of jobs may wait here at once.
        await using var slot = await slots.WaitAsync(message.JobId, cancellationToken)
            ?? await TakeOverAsync(message, scopes, slots, cancellationToken);
        if (slot is null)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<JobPipeline>().RunAsync(message, cancellationToken);
    }

    /// <summary>
    /// A job that does not wait in line is finished, cancelled, deleted, or taken by a node: if that node is dead (its
    /// message came here from it), the job ends "node lost" or is queued again and waits here for its turn.
    /// </summary>
    private static async Task<IAsyncDisposable?> TakeOverAsync(RunJob message, IServiceScopeFactory scopes, IJobSlots slots, CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            if (!await scope.ServiceProvider.GetRequiredService<TakeOverLostJob>().HandleAsync(message.JobId, cancellationToken))
            {
                return null;
            }
        }

        return await slots.WaitAsync(message.JobId, cancellationToken);
    }
}
