using System.Diagnostics.Metrics;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>What <see cref="JobMetrics"/> records, heard through a BCL <see cref="MeterListener"/> as any exporter hears it.</summary>
public sealed class JobMetricsTests : IDisposable
{
    private static readonly DateTimeOffset Queued = DateTimeOffset.UnixEpoch;
    private static readonly JobCreated Created = Job.Create("j1", "alice", "repo", "do it", [], new JobOptions(60, true, false, null, null), "/jobs/j1/workspace", Queued);

    private readonly Meters meters = new();
    private readonly MeterListener listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> heard = [];
    private readonly JobMetrics metrics;

    public JobMetricsTests()
    {
        metrics = new JobMetrics(meters, new JobsOptions { NodeName = "node-a" });
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meters: other tests may record through meters of the same name meanwhile.
            if (instrument.Meter.Name == JobMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Hear(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Hear(i, v, tags));
        listener.Start();
    }

    private void Hear(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        heard.Add((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray())));

    private static Job Taken(int waitSeconds) =>
        Job.From([Created, new JobQueued("j1", Queued), new JobPipelineStarted("j1", "node-a", Queued.AddSeconds(waitSeconds))]);

    [Fact]
    public void A_job_taken_records_its_wait_since_it_was_queued()
    {
        metrics.Taken(Taken(waitSeconds: 7));

        heard.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            m => m.Instrument.ShouldBe("cbs.job.queue_wait"),
            m => m.Value.ShouldBe(7),
            m => m.Tags["node"].ShouldBe("node-a"));
    }

    [Fact]
    public void A_completed_job_counts_its_outcome_its_run_and_its_cost()
    {
        var job = Taken(waitSeconds: 2);

        metrics.Ended(job, new JobCompleted("j1", new AgentResult("ok", "s", 0.25m, 1, 42, 0), Queued.AddSeconds(12)));

        heard.Single(m => m.Instrument == "cbs.jobs.finished").ShouldSatisfyAllConditions(
            m => m.Value.ShouldBe(1), m => m.Tags["outcome"].ShouldBe("completed"), m => m.Tags["node"].ShouldBe("node-a"));
        heard.Single(m => m.Instrument == "cbs.job.run").Value.ShouldBe(10);
        heard.Single(m => m.Instrument == "cbs.agent.cost_usd").Value.ShouldBe(0.25);
    }

    [Fact]
    public void A_job_cancelled_in_the_queue_counts_as_cancelled_without_a_run_or_a_cost()
    {
        var job = Job.From([Created, new JobQueued("j1", Queued)]);

        metrics.Ended(job, new JobCancelled("j1", null, Queued.AddSeconds(3)));

        heard.ShouldHaveSingleItem().Tags["outcome"].ShouldBe("cancelled");
    }

    [Theory]
    [InlineData("failed")]
    [InlineData("git")]
    [InlineData("timeout")]
    public void Every_end_has_its_outcome(string end)
    {
        object fact = end switch
        {
            "failed" => new JobFailed("j1", "boom", null, Queued),
            "git" => new GitPullFailed("j1", "no remote", Queued),
            _ => new JobTimedOut("j1", 60, null, Queued),
        };

        JobMetrics.Outcome(fact).ShouldBe(end == "timeout" ? "timeout" : "failed");
    }

    [Fact]
    public void A_fact_that_does_not_end_the_job_is_not_counted()
    {
        metrics.Ended(Taken(1), new JobQueued("j1", Queued));

        heard.ShouldBeEmpty();
    }

    public void Dispose()
    {
        listener.Dispose();
        meters.Dispose();
    }

    /// <summary>The BCL's meter factory contract, as the host's (one meter per create, disposed with it).</summary>
    private sealed class Meters : IMeterFactory
    {
        private readonly List<Meter> created = [];

        public Meter Create(MeterOptions options)
        {
            options.Scope = this;
            var meter = new Meter(options);
            created.Add(meter);
            return meter;
        }

        public void Dispose() => created.ForEach(m => m.Dispose());
    }
}
