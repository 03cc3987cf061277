using System.Diagnostics.Metrics;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The job metrics of DESIGN.md §7 that are events in this process (BCL <see cref="System.Diagnostics.Metrics"/>, so
/// Application needs no OpenTelemetry package): jobs ended by outcome, their wait in the queue and run time, the agents'
/// cost. Each server counts what it did; Prometheus sums the nodes. The queue's depth is not here: it is the database's
/// (<see cref="IJobStatistics"/>), right whichever node is asked. Every measurement carries the node's name.
/// </summary>
public sealed class JobMetrics
{
    public const string MeterName = "ClaudeBatch.Jobs";

    /// <summary>From a second to a day: jobs wait for a slot for seconds or hours.</summary>
    private static readonly double[] WaitBuckets = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

    /// <summary>Agent runs last seconds to hours (Jobs:TimeoutHours).</summary>
    private static readonly double[] RunBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 43200, 86400];

    private readonly Counter<long> finished;
    private readonly Histogram<double> queueWait;
    private readonly Histogram<double> run;
    private readonly Counter<double> cost;
    private readonly KeyValuePair<string, object?> node;

    public JobMetrics(IMeterFactory meters, JobsOptions options)
    {
        var meter = meters.Create(MeterName);
        node = new("node", options.NodeName);
        finished = meter.CreateCounter<long>("cbs.jobs.finished", null, "Jobs (turns) ended, by outcome: completed, failed, timeout, cancelled.");
        queueWait = meter.CreateHistogram("cbs.job.queue_wait", "s", "From queued to taken by a pipeline.", null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });
        run = meter.CreateHistogram("cbs.job.run", "s", "From taken by a pipeline to ended.", null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = RunBuckets });
        cost = meter.CreateCounter<double>("cbs.agent.cost_usd", null, "What the agents reported they cost, in US dollars.");
    }

    /// <summary>A pipeline took the job: its wait in the queue ends.</summary>
    public void Taken(Job job)
    {
        if (job is { QueuedAt: { } queued, StartedAt: { } started })
        {
            queueWait.Record(Seconds(started - queued), node);
        }
    }

    /// <summary>The job's turn ended with <paramref name="fact"/> (a fact that is not an end is ignored).</summary>
    public void Ended(Job job, object fact)
    {
        if (Outcome(fact) is not { } outcome)
        {
            return;
        }

        finished.Add(1, new("outcome", outcome), node);
        if (job.StartedAt is { } started && At(fact) is { } at)
        {
            run.Record(Seconds(at - started), node);
        }

        if (Result(fact)?.CostUsd is { } usd and > 0)
        {
            cost.Add((double)usd, node);
        }
    }

    /// <summary>The outcome label of a fact that ends a job (a failed pull is a failure), else null.</summary>
    public static string? Outcome(object fact) => fact switch
    {
        JobCompleted => "completed",
        JobFailed or GitPullFailed => "failed",
        JobTimedOut => "timeout",
        JobCancelled => "cancelled",
        _ => null,
    };

    private static DateTimeOffset? At(object fact) => fact switch
    {
        JobCompleted e => e.At,
        JobFailed e => e.At,
        GitPullFailed e => e.At,
        JobTimedOut e => e.At,
        JobCancelled e => e.At,
        _ => null,
    };

    private static AgentResult? Result(object fact) => fact switch
    {
        JobCompleted e => e.Result,
        JobFailed e => e.Result,
        JobTimedOut e => e.Result,
        JobCancelled e => e.Result,
        _ => null,
    };

    private static double Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);
}
