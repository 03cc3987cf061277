using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The queue and what the servers did, for people (<c>GET /stats</c>, the seed's "queue position and processing
/// statistics"): read from the job views in the database, so any node answers the same.
/// </summary>
public sealed record GetJobStatistics : IQuery<GetJobStatistics.Response>
{
    public sealed record Response(int Queued, int Running, int MaxConcurrent, IReadOnlyList<NodeActivity> Nodes, LastDay Last24h);

    public sealed class Handler(IJobStatistics statistics, JobsOptions options, TimeProvider clock) : IQueryHandler<GetJobStatistics, Response>
    {
        public async ValueTask<Response> Handle(GetJobStatistics query, CancellationToken cancellationToken)
        {
            var now = clock.GetUtcNow();
            var depth = await statistics.QueueAsync(cancellationToken);
            var nodes = await statistics.NodesAsync(now, cancellationToken);
            var day = await statistics.LastDayAsync(now - TimeSpan.FromDays(1), cancellationToken);
            return new Response(depth.Queued, depth.Running, options.MaxConcurrent, nodes, day);
        }
    }
}

/// <summary>Jobs waiting for a pipeline, and jobs a pipeline has taken and not ended, on all nodes.</summary>
public sealed record QueueDepth(int Queued, int Running);

/// <summary>A server and how many jobs it runs; <c>LastSeen</c>, when it was last known alive.</summary>
public sealed record NodeActivity(string Name, int Running, DateTimeOffset? LastSeen);

/// <summary>The turns that ended since a time, by outcome (a failed pull is a failure), and the median wait and run.</summary>
public sealed record LastDay(int Completed, int Failed, int Timeout, int Cancelled, double? MedianWaitSeconds, double? MedianRunSeconds);

/// <summary>Aggregates over the job views (SQL: counts, <c>percentile_cont</c>), never a scan in memory.</summary>
public interface IJobStatistics
{
    Task<QueueDepth> QueueAsync(CancellationToken cancellationToken);

    /// <summary>The nodes alive (seen at <paramref name="now"/>), this one always among them, and gone ones that still have running jobs.</summary>
    Task<IReadOnlyList<NodeActivity>> NodesAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task<LastDay> LastDayAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
