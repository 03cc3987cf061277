using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Run once when a server starts: jobs its previous life was running cannot still be running, so each is ended as
/// failed ("interrupted") and any process it left behind is killed; so are the processes of the jobs another node
/// ended "node lost" (<see cref="TakeOverLostJob"/>) meanwhile. Queued jobs are redelivered by the durable queue.
/// Not a request: only the server's start runs it, calling <see cref="Handler"/> directly.
/// </summary>
public sealed record RecoverInterruptedJobs
{
    public const string Reason = "interrupted";

    public sealed class Handler(
        IEventStore store, IInterruptedJobs interrupted, IAgentRunner agent, IJobContainment containment, JobMetrics metrics, JobsOptions options,
        INodeHistory history, TimeProvider clock)
    {
        /// <summary>Ends this server's interrupted jobs; how many (not deleted) were ended.</summary>
        public async Task<int> HandleAsync(RecoverInterruptedJobs command, CancellationToken cancellationToken)
        {
            var mine = await interrupted.OfNodeAsync(options.NodeName, cancellationToken);
            var ended = new List<(Domain.Jobs.Job Job, object Fact)>();

            foreach (var view in mine)
            {
                var job = await store.LoadJobAsync(view.JobId, cancellationToken);
                if (job.AgentProcessId is { } pid && job.AgentProcessStartTicks is { } ticks)
                {
                    agent.KillLeftover(pid, ticks);
                }

                // Also a job deleted while this server was down: its processes (a daemon out of the agent's session) still run.
                await containment.CloseAsync(job.JobId, cancellationToken);
                if (!view.Deleted && job.Stop(StopReason.Failed, Reason, null, clock.GetUtcNow()) is { IsSuccess: true } stopped)
                {
                    store.Append(JobStream.For(job.JobId), stopped.Value);
                    ended.Add((job, stopped.Value));
                }
            }

            await store.SaveChangesAsync(cancellationToken);
            foreach (var (job, fact) in ended)
            {
                metrics.Ended(job, fact);
            }

            // Ended by another node while this one was away: only what they left here is to end.
            if (history.PreviousLifeStartedAt is { } previousLife)
            {
                foreach (var view in await interrupted.LostByNodeAsync(options.NodeName, previousLife, cancellationToken))
                {
                    var job = await store.LoadJobAsync(view.JobId, cancellationToken);
                    if (job.AgentProcessId is { } pid && job.AgentProcessStartTicks is { } ticks)
                    {
                        agent.KillLeftover(pid, ticks);
                    }

                    await containment.CloseAsync(job.JobId, cancellationToken);
                }
            }

            return mine.Count(j => !j.Deleted);
        }
    }
}
