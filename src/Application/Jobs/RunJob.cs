using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The durable message that runs one job's pipeline (DESIGN.md §3): git → workspace → agent, within the job's
/// timeout and until it is cancelled. Redelivery is harmless: only a queued job runs.
/// </summary>
public sealed record RunJob(string JobId) : ICommand
{
    public sealed class Handler(IEventStore store, JobPipeline pipeline, IJobCancellation cancellation, JobsOptions options, TimeProvider clock)
        : ICommandHandler<RunJob>
    {
        public async ValueTask<Unit> Handle(RunJob command, CancellationToken cancellationToken)
        {
            var job = await store.LoadJobAsync(command.JobId, cancellationToken);
            if (!job.IsReadyToRun)
            {
                return Unit.Value;
            }

            // Watch first: a cancel that arrives while the pipeline starts must not slip between the two.
            using var watch = cancellation.Watch(job.JobId);
            var journal = new JobJournal(store, job.JobId, options.NodeName, clock);
            await journal.RecordAsync(new JobPipelineStarted(job.JobId, options.NodeName, journal.Now));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(job.Options.TimeoutSeconds));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(watch.Cancelled, timeout.Token, cancellationToken);
            try
            {
                var outcome = await pipeline.RunAsync(job, journal, stop.Token);
                await journal.RecordAsync(outcome);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                var reason = watch.Cancelled.IsCancellationRequested ? StopReason.Cancelled
                    : timeout.IsCancellationRequested ? StopReason.TimedOut
                    : StopReason.Failed;
                await journal.RecordAsync(job.Stop(reason, "Interrupted: the server stopped while the job ran.", null, journal.Now));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await journal.RecordAsync(job.Stop(StopReason.Failed, $"The server failed while running the job: {e.Message}", null, journal.Now));
            }

            // Facts kept while the database was unreachable are stored before the job is let go; should the server
            // stop first, the job is found unfinished at the next start and ends "interrupted".
            await journal.FlushAsync(cancellationToken);
            return Unit.Value;
        }
    }
}
