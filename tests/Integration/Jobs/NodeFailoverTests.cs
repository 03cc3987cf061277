using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Xunit.Abstractions;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// Several real server processes (nodes) on one database: a node killed with SIGKILL loses its running jobs ("node
/// lost") while its queued ones run on another node, and a node that joins takes nothing from a running one. Every run
/// of the fake agent appends to <c>invocations.jsonl</c>, which proves no job's agent ran twice.
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class NodeFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task After_kill_9_of_a_node_its_queued_jobs_complete_on_another_its_running_jobs_end_node_lost_and_its_restart_kills_what_they_left()
    {
        var settings = new ApiFactory().With("Jobs:MaxConcurrent", "2");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var name = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);

        await using var a = await ServerProcess.StartAsync(settings.Settings);
        // The other node has a jobs folder of its own, as on another machine.
        var otherJobs = Path.Combine(settings.RootPath, "jobs-b");
        await using var b = await ServerProcess.StartAsync(new Dictionary<string, string?>(settings.Settings) { ["Workspace:JobsPath"] = otherJobs });
        var onA = await a.LoginAsync(user);
        var onB = await b.LoginAsync(user);
        (await onA.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await onA.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");

        // Started through A: their messages are A's. Two run there (Jobs:MaxConcurrent), three wait for a turn; the last
        // has a file uploaded to A's disk.
        var running = new[] { await onA.CreateJobAsync(name, "scenario: grandchild"), await onA.CreateJobAsync(name, "scenario: grandchild") };
        var queued = new[] { await onA.CreateJobAsync(name, "scenario: instant"), await onA.CreateJobAsync(name, "scenario: instant") };
        var withUpload = await onA.CreateJobAsync(name, "scenario: instant");
        (await onA.UploadTextAsync(withUpload, "notes.txt", "only on A")).EnsureSuccessStatusCode();
        var agents = new List<JsonElement>();
        foreach (var job in running)
        {
            await onA.StartJobAsync(job);
            await onA.WaitForJobAsync(job, j => j.Status() == "running");
            agents.Add(await FakeClaude.WaitForInvocationAsync(Path.Combine(settings.JobsPath, job), withGrandchild: true));
        }

        foreach (var job in queued.Append(withUpload))
        {
            (await onA.StartJobAsync(job)).GetProperty("queuePosition").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        }

        var clock = Stopwatch.StartNew();
        await a.KillHardAsync();

        // They run on B, in B's jobs folder (not in A's, on A's disk), and the job's files are then B's to serve.
        foreach (var job in queued)
        {
            var done = await onB.WaitForJobAsync(job, timeout: TimeSpan.FromSeconds(120));
            done.Status().ShouldBe("completed", b.Output);
            done.GetProperty("cowPath").GetString().ShouldBe(Path.Combine(otherJobs, job, "workspace"));
            (await NodeOfAsync(onB, job)).ShouldBe(b.Node);
            (await onB.GetAsync($"/jobs/{job}/files")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // The one whose upload is only on A's disk cannot run anywhere else, and says so.
        var stranded = await onB.WaitForJobAsync(withUpload, timeout: TimeSpan.FromSeconds(120));
        stranded.Status().ShouldBe("failed", b.Output);
        stranded.GetProperty("error").GetString().ShouldBe(
            $"node lost: node '{a.Node}' stopped before the agent started, and the files uploaded for the job (notes.txt) are only on its disk.");
        Directory.Exists(Path.Combine(settings.JobsPath, queued[0], "workspace")).ShouldBeFalse("B made a workspace in A's jobs folder");

        output.WriteLine($"the killed node's queued jobs completed on the other node {clock.Elapsed.TotalSeconds:F1} s after the kill");
        foreach (var job in running)
        {
            var lost = await onB.WaitForJobAsync(job, timeout: TimeSpan.FromSeconds(120));
            lost.Status().ShouldBe("failed", b.Output);
            lost.GetProperty("error").GetString().ShouldBe("node lost");
        }

        output.WriteLine($"its running jobs ended \"node lost\" {clock.Elapsed.TotalSeconds:F1} s after the kill");

        // What the agents spawned still runs on the lost node's machine (another node cannot reach it) ...
        foreach (var agent in agents)
        {
            FakeClaude.IsDead(agent.GetProperty("grandchild").GetInt32()).ShouldBeFalse();
        }

        // ... until that node comes back under its name.
        await using var again = await ServerProcess.StartAsync(settings.Settings);
        again.Node.ShouldBe(a.Node);
        foreach (var agent in agents)
        {
            await WaitUntilAsync(() => FakeClaude.IsDead(agent.GetProperty("pid").GetInt32()) && FakeClaude.IsDead(agent.GetProperty("grandchild").GetInt32()));
            FakeClaude.IsDead(agent.GetProperty("grandchild").GetInt32()).ShouldBeTrue(again.Output);
        }

        // Ended once, by the other node: the restart does not make them "interrupted".
        foreach (var job in running)
        {
            (await (await again.LoginAsync(user)).GetJobAsync(job)).GetProperty("error").GetString().ShouldBe("node lost");
        }

        Invocations(settings).ShouldBe([.. running.Concat(queued).Order()]);
    }

    [Fact]
    public async Task A_job_whose_node_died_before_its_agent_started_runs_from_the_start_on_another_node_in_a_workspace_of_its_own()
    {
        // The job's index step is slow (the fake cidx sleeps 60 s) and cut at 5 s: the node dies while it indexes.
        var settings = new ApiFactory().With("Cidx:StepTimeoutSeconds", "5");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var name = "lost-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# r\n", [".fake-cidx"] = "slow=index:60\n" });

        await using var a = await ServerProcess.StartAsync(settings.Settings);
        // The other node has a jobs folder of its own, as on another machine.
        var otherJobs = Path.Combine(settings.RootPath, "jobs-b");
        await using var b = await ServerProcess.StartAsync(
            new Dictionary<string, string?>(settings.Settings) { ["Workspace:JobsPath"] = otherJobs });
        var onA = await a.LoginAsync(user);
        var onB = await b.LoginAsync(user);
        (await onA.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await onA.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var created = await onA.PostAsJsonAsync("/jobs", new { prompt = "scenario: success", repository = name, options = new { gitAware = false, cidxAware = true } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var job = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await onA.StartJobAsync(job);
        await onA.WaitForJobAsync(job, j => j.Status() == "cidx_indexing");

        await a.KillHardAsync();

        var done = await onB.WaitForJobAsync(job, timeout: TimeSpan.FromSeconds(120));
        done.Status().ShouldBe("completed", b.Output);
        done.GetProperty("cowPath").GetString().ShouldBe(Path.Combine(otherJobs, job, "workspace"));
        (await NodeOfAsync(onB, job)).ShouldBe(b.Node);
        var types = (await onB.EventsAsync(job)).Select(e => e.GetProperty("type").GetString()).ToList();
        types.Count(t => t == "JobPipelineStarted").ShouldBe(2);
        types.ShouldContain("JobPipelineLost");
        Invocations(settings).ShouldBe([job]);
    }

    [Fact]
    public async Task A_node_that_joins_while_another_runs_a_job_leaves_it_running_to_completed_and_runs_it_not_again()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var name = "join-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);

        await using var a = await ServerProcess.StartAsync(settings.Settings);
        var onA = await a.LoginAsync(user);
        (await onA.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await onA.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var job = await onA.CreateJobAsync(name, "scenario: hold 30");
        await onA.StartJobAsync(job);
        await onA.WaitForJobAsync(job, j => j.Status() == "running");

        // The second node starts (all its services, Wolverine's recovery included) while the agent holds on.
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        var onB = await b.LoginAsync(user);
        (await onB.GetJobAsync(job)).Status().ShouldBe("running", b.Output);

        var done = await onB.WaitForJobAsync(job, timeout: TimeSpan.FromSeconds(90));
        done.Status().ShouldBe("completed", a.Output + b.Output);
        (await NodeOfAsync(onB, job)).ShouldBe(a.Node);
        Invocations(settings).ShouldBe([job]);
    }

    /// <summary>The node whose pipeline ran the job (the last to take it).</summary>
    private static async Task<string?> NodeOfAsync(HttpClient client, string jobId) =>
        (await client.EventsAsync(jobId))
            .Where(e => e.GetProperty("type").GetString() is "JobPipelineStarted")
            .Select(e => e.GetProperty("data").GetProperty("node").GetString())
            .LastOrDefault();

    /// <summary>The job of every run of the fake agent, as it recorded them.</summary>
    private static List<string> Invocations(ApiFactory settings)
    {
        var records = Path.Combine(settings.FakeStatePath, "invocations.jsonl");
        return File.Exists(records)
            ? [.. File.ReadAllLines(records).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("job").GetString()!).Order()]
            : [];
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }
}
