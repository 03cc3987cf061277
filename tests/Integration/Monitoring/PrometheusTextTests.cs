using System.Diagnostics.Metrics;
using ClaudeBatch.Api.Monitoring;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ClaudeBatch.Integration.Tests.Monitoring;

/// <summary>The Prometheus text of OpenTelemetry metrics, read by a real meter provider (no server).</summary>
public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData("cbs.jobs.finished", null, true, "cbs_jobs_finished_total")]
    [InlineData("cbs.job.queue_wait", "s", false, "cbs_job_queue_wait_seconds")]
    [InlineData("http.server.request.duration", "s", false, "http_server_request_duration_seconds")]
    [InlineData("db.client.operation.duration", "s", false, "db_client_operation_duration_seconds")]
    [InlineData("wolverine-messages-succeeded", "messages", true, "wolverine_messages_succeeded_total")]
    [InlineData("kestrel.active_connections", "{connection}", false, "kestrel_active_connections")]
    [InlineData("process.memory", "By", false, "process_memory_bytes")]
    [InlineData("already_total", null, true, "already_total")]
    public void Names_follow_the_Prometheus_conventions(string name, string? unit, bool counter, string expected) =>
        PrometheusText.Name(name, unit, counter).ShouldBe(expected);

    [Fact]
    public void A_counter_and_a_histogram_are_written_with_their_labels_buckets_sum_and_count()
    {
        var name = "test.prometheus." + Guid.NewGuid().ToString("N")[..8];
        var reader = new PrometheusScrapeReader();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(name).AddReader(reader).Build();
        using var meter = new Meter(name);
        var counter = meter.CreateCounter<long>(name + ".done", null, "Done things.");
        var histogram = meter.CreateHistogram(name + ".took", "s", "How long.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10] });

        counter.Add(2, new KeyValuePair<string, object?>("outcome", "a \"quoted\\\" one"));
        histogram.Record(0.5);
        histogram.Record(5);
        histogram.Record(50);
        var text = reader.Scrape();

        var prefix = name.Replace('.', '_');
        text.ShouldContain($"# HELP {prefix}_done_total Done things.\n# TYPE {prefix}_done_total counter\n");
        text.ShouldContain($"{prefix}_done_total{{outcome=\"a \\\"quoted\\\\\\\" one\"}} 2\n");
        text.ShouldContain($"# TYPE {prefix}_took_seconds histogram\n");
        text.ShouldContain($"{prefix}_took_seconds_bucket{{le=\"1\"}} 1\n");
        text.ShouldContain($"{prefix}_took_seconds_bucket{{le=\"10\"}} 2\n");
        text.ShouldContain($"{prefix}_took_seconds_bucket{{le=\"+Inf\"}} 3\n");
        text.ShouldContain($"{prefix}_took_seconds_sum 55.5\n");
        text.ShouldContain($"{prefix}_took_seconds_count 3\n");
    }
}
