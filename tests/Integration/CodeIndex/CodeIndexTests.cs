using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.CodeIndex;

/// <summary>cidxAware jobs against a fake cidx that honours the code-indexer contract (knobs in the repository's .fake-cidx).</summary>
[Collection(ApiCollection.Name)]
public sealed class CodeIndexTests(ApiFactory api)
{
    [Fact]
    public async Task A_ready_index_gives_the_agent_the_cidx_prompt_and_is_stopped_only_after_the_agent_exits()
    {
        var (client, repository, _) = await UserWithRepositoryAsync(api, knobs: null);

        var job = await RunCidxJobAsync(client, repository, "scenario: success");

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("cidxStatus").GetString().ShouldBe("stopped");
        var jobId = job.GetProperty("jobId").GetString()!;
        var agent = FakeClaude.Invocation(Path.Combine(api.JobsPath, jobId));
        SystemPrompt(agent).ShouldStartWith("CIDX SEMANTIC SEARCH AVAILABLE");

        var types = (await client.EventsAsync(jobId)).Select(e => e.GetProperty("type").GetString()).ToList();
        types.ShouldContain("CodeIndexReady");
        types.IndexOf("CodeIndexStarted").ShouldBeLessThan(types.IndexOf("CodeIndexServicesStarted"));
        types.IndexOf("CodeIndexReady").ShouldBeLessThan(types.IndexOf("AgentStarted"));
        types.IndexOf("CodeIndexStopped").ShouldBeGreaterThan(types.IndexOf("AgentStarted"));

        var calls = CidxCalls(job.GetProperty("cowPath").GetString()!);
        calls.Select(c => string.Join(' ', c.GetProperty("argv").EnumerateArray().Select(a => a.GetString())))
            .ShouldBe(["init --embedding-provider voyage-ai", "start", "index --reconcile", "status", "stop"]);
        calls.ShouldAllBe(c => c.GetProperty("columns").GetString() == "200" && c.GetProperty("voyage").GetBoolean());
        var stoppedAt = calls[^1].GetProperty("time").GetDouble();
        stoppedAt.ShouldBeGreaterThan(agent.GetProperty("ended").GetDouble(), "cidx stop ran before the agent had exited");
    }

    [Theory]
    [InlineData("fail=start", "cidx start failed with exit code 1: ❌ Failed to start")]
    [InlineData("fail=index", "cidx index --reconcile failed with exit code 1")]
    [InlineData("status=not-ready", "Qdrant: ❌ Container not running")]
    public async Task A_failing_index_gives_the_unavailable_prompt_and_the_job_still_completes(string knob, string reason)
    {
        var (client, repository, _) = await UserWithRepositoryAsync(api, knob);

        var job = await RunCidxJobAsync(client, repository, "scenario: success");

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("cidxStatus").GetString().ShouldBe("failed");
        job.GetProperty("cidxError").GetString()!.ShouldContain(reason);
        var agent = FakeClaude.Invocation(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!));
        SystemPrompt(agent).ShouldStartWith("CIDX SEMANTIC SEARCH UNAVAILABLE");
        var events = await client.EventsAsync(job.GetProperty("jobId").GetString()!);
        events.ShouldContain(e => e.GetProperty("type").GetString() == "CodeIndexFailed");
        events.ShouldContain(e => e.GetProperty("type").GetString() == "CodeIndexStopped");
    }

    [Fact]
    public async Task A_workspace_copied_from_an_indexed_master_has_its_configuration_repaired_not_recreated()
    {
        var (client, repository, _) = await UserWithRepositoryAsync(api, knobs: null,
            extra: new Dictionary<string, string> { [".code-indexer/config.json"] = "{\"codebase_dir\": \"/somewhere/else\"}" });

        var job = await RunCidxJobAsync(client, repository, "scenario: success");

        var workspace = job.GetProperty("cowPath").GetString()!;
        CidxCalls(workspace)[0].GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ShouldBe(["fix-config", "--force"]);
        JsonDocument.Parse(File.ReadAllText(Path.Combine(workspace, ".code-indexer", "config.json"))).RootElement
            .GetProperty("codebase_dir").GetString().ShouldBe(workspace);
        job.GetProperty("cidxStatus").GetString().ShouldBe("stopped");
    }

    [Fact]
    public async Task Deleting_a_job_uninstalls_its_index()
    {
        var (client, repository, _) = await UserWithRepositoryAsync(api, knobs: null);
        var job = await RunCidxJobAsync(client, repository, "scenario: instant");
        var workspace = job.GetProperty("cowPath").GetString()!;

        (await client.DeleteAsync($"/jobs/{job.GetProperty("jobId").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        File.ReadAllLines(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ShouldContain(c => c.GetProperty("cwd").GetString() == workspace && c.GetProperty("argv")[0].GetString() == "uninstall");
    }

    internal static async Task<(HttpClient Client, string Repository, TestUser User)> UserWithRepositoryAsync(
        ApiFactory api, string? knobs, Dictionary<string, string>? extra = null)
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var name = $"cidx-{Guid.NewGuid():N}"[..16];
        var files = new Dictionary<string, string> { ["README.md"] = "# indexed\n", ["src/app.py"] = "print('hi')\n" };
        if (knobs is not null)
        {
            files[".fake-cidx"] = knobs.Replace(';', '\n') + "\n";
        }

        foreach (var (path, text) in extra ?? [])
        {
            files[path] = text;
        }

        var (source, _) = api.Sources.Create(name, files);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (client, name, user);
    }

    internal static async Task<JsonElement> RunCidxJobAsync(HttpClient client, string repository, string prompt)
    {
        var response = await client.PostAsJsonAsync("/jobs", new { prompt, repository, options = new { gitAware = false, cidxAware = true } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await client.StartJobAsync(jobId);
        return await client.WaitForJobAsync(jobId, timeout: TimeSpan.FromSeconds(90));
    }

    private List<JsonElement> CidxCalls(string workspace) =>
        File.ReadAllLines(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(c => c.GetProperty("cwd").GetString() == workspace)
            .ToList();

    internal static string SystemPrompt(JsonElement invocation)
    {
        var argv = invocation.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToList();
        return argv[argv.IndexOf("--append-system-prompt") + 1];
    }
}

/// <summary>Limits and absence: a slow step hits Cidx:StepTimeoutSeconds; a missing cidx is simply "unavailable".</summary>
public sealed class CodeIndexLimitsTests
{
    [Fact]
    public async Task A_slow_index_step_is_killed_at_the_step_timeout_and_the_job_runs_without_it()
    {
        var api = new ApiFactory().With("Cidx:StepTimeoutSeconds", "2");
        await api.InitializeAsync();
        try
        {
            var (client, repository, _) = await CodeIndexTests.UserWithRepositoryAsync(api, "slow=index:60");

            var watch = Stopwatch.StartNew();
            var job = await CodeIndexTests.RunCidxJobAsync(client, repository, "scenario: success");

            job.Status().ShouldBe("completed", job.ToString());
            job.GetProperty("cidxError").GetString()!.ShouldContain("did not finish within Cidx:StepTimeoutSeconds (2 s)");
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(40));
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_cidx_installed_the_job_gets_the_unavailable_prompt_and_completes()
    {
        var api = new ApiFactory().With("Cidx:Command", "/nonexistent/cidx");
        await api.InitializeAsync();
        try
        {
            var (client, repository, _) = await CodeIndexTests.UserWithRepositoryAsync(api, knobs: null);

            var job = await CodeIndexTests.RunCidxJobAsync(client, repository, "scenario: success");

            job.Status().ShouldBe("completed", job.ToString());
            job.GetProperty("cidxError").GetString()!.ShouldContain("cidx is not available");
            var agent = FakeClaude.Invocation(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!));
            CodeIndexTests.SystemPrompt(agent).ShouldStartWith("CIDX SEMANTIC SEARCH UNAVAILABLE");
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }
}

/// <summary>cidxAware repositories: the master is indexed after its clone, so jobs only reconcile.</summary>
[Collection(ApiCollection.Name)]
public sealed class MasterIndexTests(ApiFactory api)
{
    [Fact]
    public async Task A_cidxAware_repository_passes_through_cidx_indexing_and_its_jobs_reuse_the_index()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"idx-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# r\n", [".fake-cidx"] = "slow=index:1.5\n" });
        var register = await client.PostAsJsonAsync("/repositories/register", new { name, gitUrl = source, cidxAware = true });
        register.StatusCode.ShouldBe(HttpStatusCode.Created);

        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var status = JsonDocument.Parse(await client.GetStringAsync($"/repositories/{name}")).RootElement.GetProperty("cloneStatus").GetString()!;
            if (seen.Count == 0 || seen[^1] != status)
            {
                seen.Add(status);
            }

            if (status is "completed" or "failed")
            {
                break;
            }

            await Task.Delay(50);
        }

        seen.ShouldBe(["cloning", "cidx_indexing", "completed"], ignoreOrder: false);
        var view = JsonDocument.Parse(await client.GetStringAsync($"/repositories/{name}")).RootElement;
        view.GetProperty("cidxReady").GetBoolean().ShouldBeTrue(view.ToString());
        var master = view.GetProperty("path").GetString()!;
        var masterCalls = File.ReadAllLines(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(c => c.GetProperty("cwd").GetString() == master)
            .Select(c => string.Join(' ', c.GetProperty("argv").EnumerateArray().Select(a => a.GetString()))).ToList();
        masterCalls.ShouldBe(["init --embedding-provider voyage-ai", "start", "index --reconcile", "status", "stop"]);

        var job = await CodeIndexTests.RunCidxJobAsync(client, name, "scenario: instant");
        var workspace = job.GetProperty("cowPath").GetString()!;
        File.ReadAllLines(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .First(c => c.GetProperty("cwd").GetString() == workspace).GetProperty("argv")[0].GetString().ShouldBe("fix-config");
        job.GetProperty("cidxStatus").GetString().ShouldBe("stopped");
    }
}
