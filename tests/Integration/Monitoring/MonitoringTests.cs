using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Deployment;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Monitoring;

/// <summary>
/// <c>GET /metrics</c>, <c>GET /stats</c> and the trace from a request to the agent, on a server of their own (a fresh
/// database, one run slot) after a known sequence of jobs: 2 completed, 1 failed, 1 timed out, 2 cancelled (one
/// running, one still queued). With the multi-node tests, alone after the parallel ones: every in-process server of the
/// test process has meters of the same names, and one disposed while this test ran could end the library metric streams
/// (`http_server_*`) that this one's server shares with it.
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class MonitoringTests : IAsyncLifetime
{
    // As several nodes run (one test adds a second node on the same database).
    private readonly ApiFactory api = new ApiFactory().With("Jobs:MaxConcurrent", "1").With("Jobs:SingleNode", "false")
        .With("Webhooks:AllowPrivateTargets", "true");

    public Task InitializeAsync() => api.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    private string Node => api.Settings["Jobs:NodeName"]!;

    [Fact]
    public async Task Metrics_count_the_jobs_by_outcome_their_waits_runs_and_cost_and_the_queue_from_the_database()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var (midway, jobs) = await RunSequenceAsync(client, repository, () => MetricsAsync(client));

        // While one job ran and one waited for the only slot.
        Single(midway, "cbs_jobs_queued").ShouldBe(1);
        Single(midway, "cbs_jobs_running").ShouldBe(1);

        var end = await MetricsAsync(client);
        Single(end, "cbs_jobs_queued").ShouldBe(0);
        Single(end, "cbs_jobs_running").ShouldBe(0);
        Mine(end, "cbs_jobs_finished_total", ("outcome", "completed")).ShouldBe(2);
        Mine(end, "cbs_jobs_finished_total", ("outcome", "failed")).ShouldBe(1);
        Mine(end, "cbs_jobs_finished_total", ("outcome", "timeout")).ShouldBe(1);
        Mine(end, "cbs_jobs_finished_total", ("outcome", "cancelled")).ShouldBe(2);
        // Five jobs were taken by a pipeline (the one cancelled in the queue never was), and each of them ended.
        Mine(end, "cbs_job_queue_wait_seconds_count").ShouldBe(5);
        Mine(end, "cbs_job_run_seconds_count").ShouldBe(5);
        Mine(end, "cbs_job_run_seconds_bucket", ("le", "+Inf")).ShouldBe(5);
        Mine(end, "cbs_job_run_seconds_sum").ShouldBeGreaterThan(1); // the timed-out job alone ran a second
        var cost = jobs.Sum(j => j.TryGetProperty("costUsd", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : 0);
        cost.ShouldBeGreaterThan(0);
        Mine(end, "cbs_agent_cost_usd_total").ShouldBe(cost, 1e-9);

        // The libraries' meters are there too.
        end.ShouldContain(s => s.Name == "http_server_request_duration_seconds_count");
        end.ShouldContain(s => s.Name.StartsWith("db_client_", StringComparison.Ordinal));
        end.ShouldContain(s => s.Name == "wolverine_messages_succeeded_total");
        end.ShouldContain(s => s.Name == "marten_event_append_total");

        // Every metric the Grafana dashboard graphs is one the server exposes.
        var dashboard = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "deploy", "grafana", "claude-batch.json"));
        var graphed = System.Text.RegularExpressions.Regex.Matches(dashboard, @"\b(?:cbs|http_server|db_client|wolverine|marten)_[a-z_]+(?=\{)")
            .Select(m => m.Value).Distinct().ToList();
        graphed.Count.ShouldBeGreaterThan(10);
        graphed.ShouldAllBe(name => end.Any(s => s.Name == name), string.Join(", ", graphed.Where(n => end.All(s => s.Name != n))));
    }

    [Fact]
    public async Task Stats_show_the_queue_the_nodes_and_the_last_day_from_the_job_views()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var (midway, _) = await RunSequenceAsync(client, repository, async () =>
            JsonDocument.Parse(await client.GetStringAsync("/stats")).RootElement);

        (midway.GetProperty("queued").GetInt32(), midway.GetProperty("running").GetInt32()).ShouldBe((1, 1));
        var busy = midway.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == Node);
        busy.GetProperty("running").GetInt32().ShouldBe(1);

        var stats = JsonDocument.Parse(await client.GetStringAsync("/stats")).RootElement;
        (stats.GetProperty("queued").GetInt32(), stats.GetProperty("running").GetInt32()).ShouldBe((0, 0));
        stats.GetProperty("maxConcurrent").GetInt32().ShouldBe(1);
        var node = stats.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("name").GetString() == Node);
        node.GetProperty("running").GetInt32().ShouldBe(0);
        (DateTimeOffset.UtcNow - node.GetProperty("lastSeen").GetDateTimeOffset()).ShouldBeLessThan(TimeSpan.FromMinutes(1));
        var day = stats.GetProperty("last24h");
        (day.GetProperty("completed").GetInt32(), day.GetProperty("failed").GetInt32(), day.GetProperty("timeout").GetInt32(),
            day.GetProperty("cancelled").GetInt32()).ShouldBe((2, 1, 1, 2));
        day.GetProperty("medianWaitSeconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        // Runs: the quick ones, the one cancelled while it ran, the one timed out after a second: the median is of runs.
        day.GetProperty("medianRunSeconds").GetDouble().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Another_node_on_the_same_database_reports_the_same_queue_and_lists_both_nodes()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        await client.StartJobAsync(jobId);
        try
        {
            await client.WaitForJobAsync(jobId, j => j.Status() == "running");
            await using var other = api.SecondServer().With("Jobs:NodeName", Node + "-b");
            var onOther = await other.LoginAsync(user);

            var metrics = await MetricsAsync(onOther);
            Single(metrics, "cbs_jobs_running").ShouldBe(1);
            Single(metrics, "cbs_jobs_queued").ShouldBe(0);
            var nodes = JsonDocument.Parse(await onOther.GetStringAsync("/stats")).RootElement.GetProperty("nodes").EnumerateArray()
                .ToDictionary(n => n.GetProperty("name").GetString()!, n => n.GetProperty("running").GetInt32());
            nodes[Node].ShouldBe(1);
            nodes[Node + "-b"].ShouldBe(0);
        }
        finally
        {
            (await client.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await client.WaitForJobAsync(jobId)).Status().ShouldBe("cancelled");
        }
    }

    [Fact]
    public async Task Metrics_and_stats_need_a_token()
    {
        var anonymous = api.CreateClient();

        (await anonymous.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/stats")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_metrics_say_nothing_of_prompts_or_users()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        await client.RunJobAsync(repository, "a secret prompt 7c1d", gitAware: false);

        var text = await client.GetStringAsync("/metrics");

        text.ShouldNotContain("7c1d");
        text.ShouldNotContain(user.Username);
        text.ShouldNotContain(repository);
        // Nor of the database: Npgsql would label its metrics with the connection string.
        text.ShouldNotContain("Username=");
        text.ShouldNotContain("Database=");
    }

    [Fact]
    public async Task The_metrics_say_nothing_of_where_the_server_sends_its_requests()
    {
        // A user's webhook receiver (on loopback: the tests send nothing elsewhere) that a finished job calls.
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await client.CreateWebhookAsync(receiver.Url, "job.completed");
        await client.RunJobAsync(repository, "hello", gitAware: false);
        await receiver.WaitForAsync(1);

        var text = await client.GetStringAsync("/metrics");

        text.ShouldContain("http_client_request_duration_seconds", customMessage: "the delivery is measured");
        text.ShouldNotContain("127.0.0.1", customMessage: "an address the server sent a request to, or listens on");
        text.ShouldNotContain($"\"{new Uri(receiver.Url).Port}\"", customMessage: "the receiver's port");
        text.ShouldNotContain("server_address");
        text.ShouldNotContain("network_peer_address");
    }

    /// <summary>
    /// Two quick jobs, one failing, one timing out; then one running and one waiting behind it (seen by
    /// <paramref name="midway"/>), both cancelled. Answers what <paramref name="midway"/> saw and the jobs as they ended.
    /// </summary>
    private static async Task<(T Midway, List<JsonElement> Jobs)> RunSequenceAsync<T>(HttpClient client, string repository, Func<Task<T>> midway)
    {
        var jobs = new List<JsonElement>
        {
            await client.RunJobAsync(repository, "hello", gitAware: false),
            await client.RunJobAsync(repository, "hello again", gitAware: false),
            await client.RunJobAsync(repository, "scenario: is-error", gitAware: false),
            await client.RunJobAsync(repository, "scenario: sleep", timeout: 1, gitAware: false),
        };
        jobs.Select(j => j.Status()).ShouldBe(["completed", "completed", "failed", "timeout"]);

        var running = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        await client.StartJobAsync(running);
        await client.WaitForJobAsync(running, j => j.Status() == "running");
        var waiting = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        await client.StartJobAsync(waiting);
        T seen;
        try
        {
            seen = await midway();
        }
        finally
        {
            foreach (var jobId in new[] { waiting, running })
            {
                (await client.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
                jobs.Add(await client.WaitForJobAsync(jobId));
            }
        }

        jobs.Skip(4).Select(j => j.Status()).ShouldBe(["cancelled", "cancelled"]);
        return (seen, jobs);
    }

    private async Task<List<Sample>> MetricsAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, api.ReadLog()[^Math.Min(4000, api.ReadLog().Length)..]);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        return Sample.Parse(await response.Content.ReadAsStringAsync());
    }

    private static double Single(List<Sample> samples, string name) => samples.Single(s => s.Name == name).Value;

    /// <summary>This server's sample (other servers in this test process share the meters, each with its node).</summary>
    private double Mine(List<Sample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Single(s => s.Name == name && s.Labels.GetValueOrDefault("node") == Node
            && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Value;

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value)
    {
        /// <summary>The Prometheus text format's samples (labels without escapes, as ours are).</summary>
        public static List<Sample> Parse(string text) => text.Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line =>
            {
                var space = line.LastIndexOf(' ');
                var (series, value) = (line[..space], line[(space + 1)..]);
                var brace = series.IndexOf('{');
                var labels = brace < 0
                    ? new Dictionary<string, string>()
                    : series[(brace + 1)..^1].Split("\",").Select(p => p.Split("=\"", 2))
                        .ToDictionary(p => p[0], p => p[1].TrimEnd('"'));
                var parsed = value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture);
                return new Sample(brace < 0 ? series : series[..brace], labels, parsed);
            })
            .ToList();
    }
}
