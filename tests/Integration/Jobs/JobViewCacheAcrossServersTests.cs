using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// Two real server processes on one database: each serves unchanged job views from memory, told of the other's changes
/// by PostgreSQL notifications, and reads from the database while it cannot hear them.
/// </summary>
public sealed class JobViewCacheAcrossServersTests(ITestOutputHelper output)
{
    private const string Views = "claudebatch.mt_doc_jobview";

    [Fact]
    public async Task A_job_changed_finished_or_deleted_through_one_server_is_seen_on_the_other_and_304_holds_only_while_unchanged()
    {
        // No reconcile during the test: only the notifications can tell A.
        var settings = new ApiFactory().With("Jobs:ViewCacheReconcileSeconds", "3600");
        await settings.InitializeAsync();
        var (user, stranger) = (settings.Accounts.Add(), settings.Accounts.Add());
        await using var a = await ServerProcess.StartAsync(settings.Settings);
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        await WaitUntilListeningAsync(a, times: 1);
        var onB = await b.LoginAsync(user);
        var onA = await a.LoginAsync(user);
        var repository = await RepositoryAsync(settings, onB);

        var jobId = await onB.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        var created = await GetAsync(onA, jobId);
        created.StatusCode.ShouldBe(HttpStatusCode.OK, a.Output);
        var createdTag = created.Headers.ETag!.ToString();
        (await GetAsync(onA, jobId, createdTag)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        (await GetAsync(onA, jobId, createdTag)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        await (await GetAsync(await a.LoginAsync(stranger), jobId)).ShouldBeProblem(HttpStatusCode.NotFound);

        // Changed on B (started, then running): A's first answer after B shows it is the new job with a new tag. The
        // notification takes a millisecond or so; between B's commit and A's read there is at least one request to B.
        await onB.StartJobAsync(jobId);
        await onB.WaitForJobAsync(jobId, j => j.Status() == "running");
        // The agent's last words before it sleeps are a change too: the job stays unchanged only after them.
        while (!(await onB.EventsAsync(jobId)).Any(e => e.GetProperty("type").GetString() == "AgentSaid"))
        {
            await Task.Delay(20);
        }

        var (running, runningTag, runningAsked) = await SeenOnAsync(onA, jobId, createdTag, j => j.Status() == "running");
        output.WriteLine($"running seen on A after {running.TotalMilliseconds:F1} ms, at request {runningAsked}");
        runningAsked.ShouldBe(1, a.Output);
        runningTag.ShouldNotBe(createdTag);
        (await GetAsync(onA, jobId, runningTag)).StatusCode.ShouldBe(HttpStatusCode.NotModified);

        // Finished on B.
        (await onB.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await onB.WaitForJobAsync(jobId, j => j.Status() == "cancelled");
        var (finished, finishedTag, finishedAsked) = await SeenOnAsync(onA, jobId, runningTag, j => j.Status() == "cancelled");
        output.WriteLine($"cancelled seen on A after {finished.TotalMilliseconds:F1} ms, at request {finishedAsked}");
        finishedAsked.ShouldBe(1, a.Output);
        finishedTag.ShouldNotBeOneOf(createdTag, runningTag);
        (await GetAsync(onA, jobId, finishedTag)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        await (await GetAsync(await a.LoginAsync(stranger), jobId)).ShouldBeProblem(HttpStatusCode.NotFound);

        // Deleted on B: gone on B at once (its own commit), and on A.
        (await onB.DeleteAsync($"/jobs/{jobId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await GetAsync(onB, jobId, finishedTag)).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await GetAsync(onA, jobId, finishedTag)).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await GetAsync(onA, jobId)).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await GetAsync(onA, jobId, "*")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task With_its_listening_connection_cut_a_server_reads_the_database_and_serves_from_memory_again_once_it_listens()
    {
        var settings = new ApiFactory().With("Jobs:ViewCacheReconcileSeconds", "3600");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        await using var a = await ServerProcess.StartAsync(settings.Settings);
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        await WaitUntilListeningAsync(a, times: 1);
        var onB = await b.LoginAsync(user);
        var onA = await a.LoginAsync(user);
        var repository = await RepositoryAsync(settings, onB);
        try
        {
            // Served from memory: with the notifications off, A does not see B's change, while B, which drops what it
            // commits itself, does.
            var first = await onB.CreateJobAsync(repository, "first", gitAware: false);
            (await onA.GetJobAsync(first)).Status().ShouldBe("created");
            (await onB.GetJobAsync(first)).Status().ShouldBe("created");
            await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Views} DISABLE TRIGGER job_view_notify");
            (await onB.PostAsync($"/jobs/{first}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await onB.GetJobAsync(first)).Status().ShouldBe("cancelled", b.Output);
            (await onA.GetJobAsync(first)).Status().ShouldBe("created", "A must not have been told");

            // The listening connection cut: from the moment A knows, it asks the database, and keeps asking until it listens.
            await ExecuteAsync(
                settings.ConnectionString,
                $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{JobViewListener.ApplicationName(a.ProcessId)}'");
            await WaitUntilAsync(() => Logged(a, "are cut off") >= 1, a);
            (await onA.GetJobAsync(first)).Status().ShouldBe("cancelled", a.Output);

            // Listening again, it starts empty: the change it was never told of is read, then kept.
            await WaitUntilListeningAsync(a, times: 2);
            var reread = await GetAsync(onA, first);
            JsonDocument.Parse(await reread.Content.ReadAsStringAsync()).RootElement.Status().ShouldBe("cancelled");
            (await GetAsync(onA, first, reread.Headers.ETag!.ToString())).StatusCode.ShouldBe(HttpStatusCode.NotModified);

            // And from memory again: a change A is not told of is not seen.
            var second = await onB.CreateJobAsync(repository, "second", gitAware: false);
            (await onA.GetJobAsync(second)).Status().ShouldBe("created");
            (await onB.PostAsync($"/jobs/{second}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await onA.GetJobAsync(second)).Status().ShouldBe("created", "A must not have been told");
        }
        finally
        {
            await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Views} ENABLE TRIGGER job_view_notify");
        }
    }

    [Fact]
    public async Task A_missed_notification_is_made_up_for_by_the_periodic_reconcile()
    {
        var settings = new ApiFactory().With("Jobs:ViewCacheReconcileSeconds", "2");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        await using var a = await ServerProcess.StartAsync(settings.Settings);
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        await WaitUntilListeningAsync(a, times: 1);
        var onB = await b.LoginAsync(user);
        var onA = await a.LoginAsync(user);
        var repository = await RepositoryAsync(settings, onB);
        var jobId = await onB.CreateJobAsync(repository, "missed", gitAware: false);
        var tag = (await GetAsync(onA, jobId)).Headers.ETag!.ToString();
        try
        {
            await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Views} DISABLE TRIGGER job_view_notify");
            (await onB.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

            // Without the reconcile A, listening all along, would serve the created job for good.
            var (after, _, _) = await SeenOnAsync(onA, jobId, tag, j => j.Status() == "cancelled", TimeSpan.FromSeconds(15));
            output.WriteLine($"missed change seen on A after {after.TotalMilliseconds:F0} ms");
            after.ShouldBeLessThan(TimeSpan.FromSeconds(10), a.Output);
        }
        finally
        {
            await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Views} ENABLE TRIGGER job_view_notify");
        }
    }

    private static async Task<string> RepositoryAsync(ApiFactory settings, HttpClient client)
    {
        var name = "cache-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string jobId, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}");
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await client.SendAsync(request);
    }

    /// <summary>
    /// Asks with the old tag until the answer is a 200 showing the change: how long that took (the timeout when it never
    /// did), the new tag, and at which request it was seen. Every answer before it is a 304 for the old tag: the server never shows a third state.
    /// </summary>
    private static async Task<(TimeSpan After, string Tag, int Asked)> SeenOnAsync(
        HttpClient client, string jobId, string oldTag, Func<JsonElement, bool> changed, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        for (var asked = 1; watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(5)); asked++)
        {
            var response = await GetAsync(client, jobId, oldTag);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var job = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                changed(job).ShouldBeTrue(job.ToString());
                var tag = response.Headers.ETag!.ToString();
                tag.ShouldNotBe(oldTag);
                return (watch.Elapsed, tag, asked);
            }

            response.StatusCode.ShouldBe(HttpStatusCode.NotModified);
            await Task.Delay(5);
        }

        return (watch.Elapsed, oldTag, 0);
    }

    private static Task WaitUntilListeningAsync(RunningServer server, int times) =>
        WaitUntilAsync(
            () => Logged(server, "are heard") >= times, server);

    /// <summary>How many of the job view listener's log lines say <paramref name="what"/> (the lines are JSON: template and subject apart).</summary>
    private static int Logged(RunningServer server, string what) =>
        server.Output.Split('\n').Count(line => line.Contains(what, StringComparison.Ordinal)
            && line.Contains("\"Subject\":\"Job view notifications\"", StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition, RunningServer server)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Waited 30 s in vain: {server.Output}");
            }

            await Task.Delay(20);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
