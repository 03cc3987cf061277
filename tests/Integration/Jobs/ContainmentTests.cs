using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// A job's processes die with it. The agent runs as a real OS user and leaves a daemon the way a careless or hostile
/// tool would (fork, <c>setsid</c>, fork again): in no process group or session of the agent's. Whatever ends the job
/// (the agent finishing, cancel, timeout, delete), the daemon is gone within 2 s; the job's cgroup carries
/// <c>Jobs:MaxProcesses</c> and <c>Jobs:MemoryLimitBytes</c>.
/// </summary>
public sealed class ContainmentTests(ContainmentTests.Server api, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<ContainmentTests.Server>, IAsyncLifetime
{
    private const int MaxProcesses = 40;
    private const long MemoryLimitBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    /// <summary>Daemons seen while their job ran (a deleted job's workspace no longer names its daemon).</summary>
    private readonly List<int> daemons = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        // A run against code that lets daemons live must not leave them behind on the machine.
        foreach (var file in Directory.Exists(api.JobsPath) ? Directory.GetFiles(api.JobsPath, "daemon.json", SearchOption.AllDirectories) : [])
        {
            daemons.Add(JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("pid").GetInt32());
        }

        daemons.ForEach(Daemons.KillIfStillSleeping);
        return Task.CompletedTask;
    }

    /// <summary>One server for the class: jobs run as real users, with both limits set.</summary>
    public sealed class Server : ApiFactory
    {
        public Server()
        {
            With("Impersonation:Mode", "setpriv")
                .With("Jobs:MaxProcesses", MaxProcesses.ToString())
                .With("Jobs:MemoryLimitBytes", MemoryLimitBytes.ToString());
        }
    }

    [Fact]
    public async Task A_daemon_left_by_a_finished_agent_is_gone_within_2_seconds_of_the_jobs_end()
    {
        var (client, repository) = await AliceWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: daemon");

        job.Status().ShouldBe("completed", job.ToString());
        await ShouldDieWithinBoundAsync(Daemon(job));
    }

    [Fact]
    public async Task A_daemon_holding_the_agents_output_neither_keeps_the_job_running_nor_outlives_it()
    {
        var (client, repository) = await AliceWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: daemon-on-output", timeout: 20);

        job.Status().ShouldBe("completed", job.ToString());
        await ShouldDieWithinBoundAsync(Daemon(job));
    }

    [Fact]
    public async Task Cancelling_a_job_kills_its_daemon_within_2_seconds_and_removes_its_cgroup()
    {
        var (client, repository) = await AliceWithRepositoryAsync();
        var (jobId, daemon) = await StartJobWithDaemonAsync(client, repository);
        var agent = DaemonFile(jobId).GetProperty("agent").GetInt32();
        var jobCgroup = HostCgroups.V2FolderOf(agent);
        var serverCgroup = HostCgroups.V2FolderOf(Environment.ProcessId);

        (await client.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var job = await client.WaitForJobAsync(jobId, timeout: TimeSpan.FromSeconds(10));

        job.Status().ShouldBe("cancelled");
        await ShouldDieWithinBoundAsync(daemon);
        // The agent ran in a cgroup of the job's own, below the server's, and nothing of it stays.
        if (!HostCgroups.V2Writable())
        {
            jobCgroup.ShouldBe(serverCgroup, "without a writable cgroup v2 nothing moves");
            return;
        }

        jobCgroup.ShouldNotBeNull();
        jobCgroup.ShouldNotBe(serverCgroup);
        jobCgroup.ShouldStartWith(serverCgroup! + "/");
        Directory.Exists(jobCgroup).ShouldBeFalse();
    }

    [Fact]
    public async Task A_job_past_its_timeout_has_its_daemon_killed_within_2_seconds()
    {
        var (client, repository) = await AliceWithRepositoryAsync();

        var jobId = await client.CreateJobAsync(repository, "scenario: daemon-sleep", timeout: 3);
        await client.StartJobAsync(jobId);
        var daemon = await WaitForDaemonAsync(jobId);
        var job = await client.WaitForJobAsync(jobId, timeout: TimeSpan.FromSeconds(30));

        job.Status().ShouldBe("timeout", job.ToString());
        await ShouldDieWithinBoundAsync(daemon);
    }

    [Fact]
    public async Task Deleting_a_running_job_kills_its_daemon_before_its_folder_is_removed()
    {
        var (client, repository) = await AliceWithRepositoryAsync();
        var (jobId, daemon) = await StartJobWithDaemonAsync(client, repository);

        var response = await client.DeleteAsync($"/jobs/{jobId}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await ShouldDieWithinBoundAsync(daemon);
        Directory.Exists(Path.Combine(api.JobsPath, jobId)).ShouldBeFalse();
    }

    [Fact]
    public async Task The_job_cgroup_caps_processes_and_memory_when_the_host_has_the_controllers()
    {
        var (client, repository) = await AliceWithRepositoryAsync();
        var report = await ReadyAsync(client);
        var containment = report.GetProperty("checks").GetProperty("containment").GetProperty("data");
        output.WriteLine($"containment on this host: {containment}");

        var job = await client.RunJobAsync(repository, $"scenario: limits\n{4 * MemoryLimitBytes}");

        job.Status().ShouldBe("completed", job.ToString());
        var facts = JsonDocument.Parse(File.ReadAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "limits.json"))).RootElement;
        var pids = containment.GetProperty("maxProcesses").GetString();
        var memory = containment.GetProperty("memoryLimit").GetString();
        if (Controllers.Available("pids"))
        {
            pids.ShouldNotBe("unavailable");
            facts.GetProperty("started").GetInt32().ShouldBeLessThan(MaxProcesses, facts.ToString());
            facts.GetProperty("forkError").GetString().ShouldBe("Resource temporarily unavailable");
        }
        else
        {
            pids.ShouldBe("unavailable");
        }

        if (Controllers.Available("memory"))
        {
            memory.ShouldNotBe("unavailable");
            facts.GetProperty("hogExit").GetInt32().ShouldBe(-9, "a child allocating 4x Jobs:MemoryLimitBytes must be killed by the OOM killer");
        }
        else
        {
            memory.ShouldBe("unavailable");
        }
    }

    [Fact]
    public async Task Health_ready_says_the_containment_in_effect()
    {
        var report = await ReadyAsync(api.CreateClient());

        report.GetProperty("containment").GetString().ShouldBe(HostCgroups.V2Writable() ? "cgroup" : "session");
        report.GetProperty("checks").GetProperty("containment").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task The_cidx_steps_run_in_the_jobs_cgroup_too()
    {
        // The fake cidx logs its calls into the state folder; as the job's user it may only if the folder lets it.
        File.SetUnixFileMode(api.FakeStatePath, (UnixFileMode)Convert.ToInt32("1777", 8));
        var (client, repository) = await AliceWithRepositoryAsync();

        var response = await client.PostAsJsonAsync("/jobs", new { prompt = "scenario: daemon", repository, options = new { gitAware = false, cidxAware = true } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var jobId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await client.StartJobAsync(jobId);
        var job = await client.WaitForJobAsync(jobId, timeout: TimeSpan.FromSeconds(60));

        job.Status().ShouldBe("completed", job.ToString());
        var workspace = job.GetProperty("cowPath").GetString()!;
        var steps = File.ReadAllLines(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(c => c.GetProperty("cwd").GetString() == workspace)
            .Select(c => V2Path(c.GetProperty("cgroup").GetString()!))
            .ToList();
        steps.Count.ShouldBeGreaterThanOrEqualTo(4, "fix-config or init, start, index, status, stop");
        var server = V2Path(File.ReadAllText("/proc/self/cgroup"));
        var agent = V2Path(DaemonFile(jobId).GetProperty("cgroup").GetString()!);
        if (!HostCgroups.V2Writable())
        {
            steps.ShouldAllBe(step => step == server, "without a writable cgroup v2 nothing moves");
            return;
        }

        foreach (var step in steps)
        {
            step.ShouldNotBe(server);
            step.ShouldStartWith(server.TrimEnd('/') + "/");
            // Beside the agent's, in the same job.
            Path.GetDirectoryName(step).ShouldBe(Path.GetDirectoryName(agent));
        }

        await ShouldDieWithinBoundAsync(Daemon(job));
    }

    private static string V2Path(string procCgroup) =>
        procCgroup.Split('\n').First(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];

    private async Task<(HttpClient Client, string Repository)> AliceWithRepositoryAsync()
    {
        var client = await api.LoginAsync(api.Accounts.AddOsUser(OsUsers.Alice));
        return (client, await RegisterAsync(client));
    }

    private async Task<string> RegisterAsync(HttpClient client)
    {
        var name = $"box-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }

    private async Task<(string JobId, int Daemon)> StartJobWithDaemonAsync(HttpClient client, string repository)
    {
        var jobId = await client.CreateJobAsync(repository, "scenario: daemon-sleep");
        await client.StartJobAsync(jobId);
        return (jobId, await WaitForDaemonAsync(jobId));
    }

    private async Task<int> WaitForDaemonAsync(string jobId)
    {
        var pid = (await Daemons.WaitForAsync(Path.Combine(api.JobsPath, jobId, "workspace", "daemon.json"))).GetProperty("pid").GetInt32();
        daemons.Add(pid);
        FakeClaude.IsDead(pid).ShouldBeFalse("the daemon runs while its job does");
        return pid;
    }

    private JsonElement DaemonFile(string jobId) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(api.JobsPath, jobId, "workspace", "daemon.json"))).RootElement;

    private int Daemon(JsonElement job) => DaemonFile(job.GetProperty("jobId").GetString()!).GetProperty("pid").GetInt32();

    private static Task ShouldDieWithinBoundAsync(int pid) => Daemons.ShouldDieWithinAsync(pid, Bound);

    private static async Task<JsonElement> ReadyAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/health/ready")).RootElement;

    /// <summary>Whether this host can limit a job with a controller: enabled for cgroup v2 children, or a writable v1 hierarchy.</summary>
    private static class Controllers
    {
        public static bool Available(string controller)
        {
            if (HostCgroups.V2FolderOf(Environment.ProcessId) is { } own
                && File.ReadAllText(Path.Combine(own, "cgroup.controllers")).Split(' ', StringSplitOptions.TrimEntries).Contains(controller))
            {
                return true;
            }

            return HostCgroups.V1FolderOf(Environment.ProcessId, controller) is { } v1 && Writable(v1);
        }

        private static bool Writable(string folder)
        {
            var probe = Path.Combine(folder, "cbtest-probe-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                Directory.CreateDirectory(probe);
                Directory.Delete(probe);
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}

/// <summary>The daemons the fake agent leaves (scenario daemon*): where they say who they are, and whether they live.</summary>
public static class Daemons
{
    public static async Task<JsonElement> WaitForAsync(string daemonFile)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return JsonDocument.Parse(File.ReadAllText(daemonFile)).RootElement;
            }
            catch (Exception e) when ((e is IOException or JsonException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public static async Task ShouldDieWithinAsync(int pid, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!FakeClaude.IsDead(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        FakeClaude.IsDead(pid).ShouldBeTrue($"the job's daemon (pid {pid}) outlived its job by more than {bound.TotalSeconds} s");
    }

    /// <summary>Cleanup after a failing run: kills the pid only if it is still the fake's daemon (a <c>sleep</c>).</summary>
    public static void KillIfStillSleeping(int pid)
    {
        try
        {
            if (!FakeClaude.IsDead(pid) && File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep")
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
        {
            // Gone meanwhile.
        }
    }
}
