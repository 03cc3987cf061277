using System.Diagnostics;
using System.Net;
using ClaudeBatch.Integration.Tests.Support;
using Xunit.Abstractions;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// Two real server processes on one database, each with job and repository folders of its own (as two machines have):
/// whichever node a request reaches answers it, for a job that lives on the other.
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class AnyNodeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_job_on_node_A_is_started_watched_read_and_cancelled_through_node_B_and_answers_503_naming_A_once_A_is_gone()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var (a, b) = await StartTwoNodesAsync(settings);
        await using var _a = a;
        await using var _b = b;
        var onA = await a.LoginAsync(user);
        var onB = await b.LoginAsync(user);
        var repository = await RepositoryAsync(settings, onA);

        // Created and given its upload on A; started through B, which forwards the start to A, where the upload is.
        var jobId = await onA.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        (await onA.UploadTextAsync(jobId, "note.txt", "staged on A\n")).StatusCode.ShouldBe(HttpStatusCode.OK, a.Output);
        (await onB.UploadTextAsync(jobId, "relayed.txt", "sent through B\n")).StatusCode.ShouldBe(HttpStatusCode.OK, b.Output);
        using var stream = await onB.OpenStreamAsync(jobId);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        await onB.StartJobAsync(jobId);

        // B's live stream shows the agent's words as they are said on A.
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        SseFrame? said = null;
        await foreach (var frame in stream.ReadFramesAsync(watching.Token))
        {
            if (frame.Data is { } data && data.Contains("Working for a long time", StringComparison.Ordinal))
            {
                said = frame;
                break;
            }
        }

        said.ShouldNotBeNull(b.Output);
        var job = await onB.GetJobAsync(jobId);
        job.Status().ShouldBe("running");
        (await RanOnAsync(onB, jobId)).ShouldBe(a.Node);
        var at = said.Json.GetProperty("at").GetDateTimeOffset();
        var lag = said.ReceivedAt - at.UtcDateTime;
        output.WriteLine($"the agent's words reached B's stream {lag.TotalMilliseconds:F0} ms after A stored them");
        lag.ShouldBeLessThan(TimeSpan.FromSeconds(2), "B's stream must hear A's commit, not wait for its fallback poll");

        // The upload is in the workspace on A, read through B.
        var download = await onB.GetAsync($"/jobs/{jobId}/files/download?path=files/note.txt");
        download.StatusCode.ShouldBe(HttpStatusCode.OK, b.Output);
        (await download.Content.ReadAsStringAsync()).ShouldBe("staged on A\n");
        (await onB.GetStringAsync($"/jobs/{jobId}/files/download?path=files/relayed.txt")).ShouldBe("sent through B\n");

        // Cancelled through B: the agent on A dies at once, because A hears B's commit as a notification (it polls only
        // while it cannot), and says so.
        var agent = (await FakeClaude.WaitForInvocationAsync(Path.Combine(JobsPath(settings, "a"), jobId))).GetProperty("pid").GetInt32();
        var watch = Stopwatch.StartNew();
        (await onB.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        while (!FakeClaude.IsDead(agent) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10);
        }

        output.WriteLine($"the agent died {watch.Elapsed.TotalMilliseconds:F0} ms after the cancel reached B");
        FakeClaude.IsDead(agent).ShouldBeTrue(a.Output);
        a.Output.Split('\n').Any(line => line.Contains("through another server; heard {HeardBy}") && line.Contains(jobId)
            && line.Contains("\"HeardBy\":\"by notification\"")).ShouldBeTrue(a.Output);
        (await onB.WaitForJobAsync(jobId)).Status().ShouldBe("cancelled");

        // A gone: B names it.
        await a.KillHardAsync();
        var refused = await (await onB.GetAsync($"/jobs/{jobId}/files/download?path=files/note.txt")).ShouldBeProblem(HttpStatusCode.ServiceUnavailable);
        refused.GetProperty("node").GetString().ShouldBe(a.Node);
        refused.GetProperty("detail").GetString()!.ShouldContain(a.Node);
        var again = await onB.GetAsync($"/jobs/{jobId}/diff");
        again.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        again.Headers.RetryAfter.ShouldNotBeNull();

        // What only reads the job's view and events is answered by B from the database.
        (await onB.GetJobAsync(jobId)).Status().ShouldBe("cancelled");
        (await onB.EventsAsync(jobId)).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_diff_and_a_listing_of_a_job_that_ran_on_A_are_answered_through_B_and_never_bounced_back()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        var (user, stranger) = (settings.Accounts.Add(), settings.Accounts.Add());
        var (a, b) = await StartTwoNodesAsync(settings);
        await using var _a = a;
        await using var _b = b;
        var onA = await a.LoginAsync(user);
        var onB = await b.LoginAsync(user);
        var repository = await RepositoryAsync(settings, onA);

        var jobId = await onA.CreateJobAsync(repository, "scenario: tool-write", gitAware: false);
        await onA.StartJobAsync(jobId);
        (await onA.WaitForJobAsync(jobId)).Status().ShouldBe("completed");

        var diff = await onB.GetAsync($"/jobs/{jobId}/diff");
        diff.StatusCode.ShouldBe(HttpStatusCode.OK, b.Output);
        (await diff.Content.ReadAsStringAsync()).ShouldContain("+written by the agent");
        var stat = await onB.GetStringAsync($"/jobs/{jobId}/diff?format=stat");
        stat.ShouldContain("written.txt");
        (await onB.GetStringAsync($"/jobs/{jobId}/files")).ShouldContain("written.txt");

        // A follow-up sent through B runs on A, in the workspace and the conversation there.
        var followUp = await onB.PostAsync($"/jobs/{jobId}/prompts", System.Net.Http.Json.JsonContent.Create(new { prompt = "scenario: recall\nsecond" }));
        followUp.StatusCode.ShouldBe(HttpStatusCode.Accepted, b.Output);
        var second = await onB.WaitForJobAsync(jobId, j => j.GetProperty("turn").GetInt32() == 2 && j.Status() is "completed" or "failed");
        second.Status().ShouldBe("completed", second.ToString());
        second.GetProperty("output").GetString().ShouldBe("scenario: tool-write");
        (await onB.EventsAsync(jobId)).Where(e => e.GetProperty("type").GetString() == "JobPipelineStarted")
            .Select(e => e.GetProperty("data").GetProperty("node").GetString()).ShouldBe([a.Node, a.Node]);

        // B holds none of it: the same request marked as already forwarded is answered by B itself, from its own disk.
        using var marked = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/files/download?path=written.txt");
        marked.Headers.Add("Cbs-Forwarded-By", b.Node);
        var local = await onB.SendAsync(marked);
        local.StatusCode.ShouldNotBe(HttpStatusCode.OK);

        // Someone else's job is not theirs on any node, and where it lives is not told.
        var strangerOnB = await b.LoginAsync(stranger);
        var hidden = await (await strangerOnB.GetAsync($"/jobs/{jobId}/diff")).ShouldBeProblem(HttpStatusCode.NotFound);
        hidden.ToString().ShouldNotContain(a.Node);
    }

    [Fact]
    public async Task A_repository_registered_on_A_is_cloned_on_B_when_a_job_runs_there()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var (a, b) = await StartTwoNodesAsync(settings);
        await using var _a = a;
        await using var _b = b;
        var onA = await a.LoginAsync(user);
        var onB = await b.LoginAsync(user);
        var repository = await RepositoryAsync(settings, onA);
        Directory.Exists(Path.Combine(RepositoriesPath(settings, "b"), repository)).ShouldBeFalse();

        var jobId = await onB.CreateJobAsync(repository, "scenario: tool-write", gitAware: true);
        await onB.StartJobAsync(jobId);
        var job = await onB.WaitForJobAsync(jobId);

        job.Status().ShouldBe("completed", b.Output);
        (await RanOnAsync(onA, jobId)).ShouldBe(b.Node);
        File.ReadAllText(Path.Combine(RepositoriesPath(settings, "b"), repository, "README.md")).ShouldBe("# repo\n");
        File.Exists(Path.Combine(JobsPath(settings, "b"), jobId, "workspace", "README.md")).ShouldBeTrue();
        (await onA.GetStringAsync($"/jobs/{jobId}/files")).ShouldContain("README.md");

        // Unregistered through A (which removes only A's master) and registered again under the same name from
        // another source: B's master of the old registration is another repository, and is replaced before B's next job.
        (await onA.DeleteAsync($"/repositories/{repository}")).StatusCode.ShouldBe(HttpStatusCode.OK, a.Output);
        var (other, _) = settings.Sources.Create(repository + "-next", new Dictionary<string, string> { ["README.md"] = "# the next one\n" });
        (await onA.RegisterAsync(repository, other)).StatusCode.ShouldBe(HttpStatusCode.Created, a.Output);
        (await onA.WaitForCloneAsync(repository)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var next = await onB.CreateJobAsync(repository, "scenario: tool-write", gitAware: false);
        await onB.StartJobAsync(next);
        (await onB.WaitForJobAsync(next)).Status().ShouldBe("completed", b.Output);
        File.ReadAllText(Path.Combine(JobsPath(settings, "b"), next, "workspace", "README.md")).ShouldBe("# the next one\n");
    }

    /// <summary>The node that took the job off the queue, as its events say.</summary>
    private static async Task<string?> RanOnAsync(HttpClient client, string jobId) =>
        (await client.EventsAsync(jobId)).First(e => e.GetProperty("type").GetString() == "JobPipelineStarted")
            .GetProperty("data").GetProperty("node").GetString();

    /// <summary>
    /// Two nodes, started together, each with folders of its own that the other cannot see (a mount namespace of its
    /// own, an empty tmpfs over the other's folder): as on two machines, a node can reach the other's files only
    /// by asking it.
    /// </summary>
    private static async Task<(RunningServer A, RunningServer B)> StartTwoNodesAsync(ApiFactory settings)
    {
        Directory.CreateDirectory(Path.Combine(settings.RootPath, "a"));
        Directory.CreateDirectory(Path.Combine(settings.RootPath, "b"));
        var started = await Task.WhenAll(
            ServerProcess.StartAsync(Own(settings, "a"), launcher: Hiding(Path.Combine(settings.RootPath, "b"))),
            ServerProcess.StartAsync(Own(settings, "b"), launcher: Hiding(Path.Combine(settings.RootPath, "a"))));
        return (started[0], started[1]);
    }

    private static string[] Hiding(string folder) =>
        ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", "mount -t tmpfs hidden \"$0\" && exec \"$@\"", folder];

    private static Dictionary<string, string?> Own(ApiFactory settings, string node) =>
        new(settings.Settings, StringComparer.OrdinalIgnoreCase)
        {
            ["Workspace:JobsPath"] = JobsPath(settings, node),
            ["Workspace:RepositoriesPath"] = RepositoriesPath(settings, node),
            ["Logging:FilePath"] = Path.Combine(settings.RootPath, node, "server.log"),
        };

    private static string JobsPath(ApiFactory settings, string node) => Path.Combine(settings.RootPath, node, "jobs");

    private static string RepositoriesPath(ApiFactory settings, string node) => Path.Combine(settings.RootPath, node, "repos");

    private static async Task<string> RepositoryAsync(ApiFactory settings, HttpClient client)
    {
        var name = "anynode-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }
}
