using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>Jobs run as their owner's real OS account (setpriv), never as root, with the OS enforcing who reads what.</summary>
public sealed class ImpersonationTests : IAsyncLifetime
{
    private readonly ApiFactory api = new ApiFactory().With("Impersonation:Mode", "setpriv");

    public Task InitializeAsync() => api.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task The_agent_runs_as_the_owner_with_their_groups_home_and_a_clean_environment_and_owns_the_workspace()
    {
        var (client, repository) = await OsUserWithRepositoryAsync(OsUsers.Alice);
        var (uid, gid, home) = OsUsers.Describe(OsUsers.Alice);

        var job = await client.RunJobAsync(repository, "scenario: whoami");

        job.Status().ShouldBe("completed", job.ToString());
        var workspace = job.GetProperty("cowPath").GetString()!;
        var facts = JsonDocument.Parse(File.ReadAllText(Path.Combine(workspace, "whoami.json"))).RootElement;
        facts.GetProperty("uid").GetInt32().ShouldBe(uid);
        facts.GetProperty("euid").GetInt32().ShouldBe(uid);
        facts.GetProperty("gid").GetInt32().ShouldBe(gid);
        var environment = facts.GetProperty("env");
        environment.GetProperty("HOME").GetString().ShouldBe(home);
        environment.GetProperty("USER").GetString().ShouldBe(OsUsers.Alice);
        environment.TryGetProperty("CLAUDEBATCH_TEST_POSTGRES", out _).ShouldBeFalse("the server's environment leaked into the job");
        environment.EnumerateObject().Select(p => p.Name).ShouldNotContain(n => n.StartsWith("DOTNET_", StringComparison.Ordinal));

        Owner(workspace).ShouldBe(uid);
        Owner(Path.Combine(workspace, "README.md")).ShouldBe(uid);
        Owner(Path.Combine(workspace, "whoami.json")).ShouldBe(uid);
        File.GetUnixFileMode(workspace).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // The server's own records stay the server's.
        Owner(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!, "agent.jsonl")).ShouldBe(0);
    }

    [Fact]
    public async Task A_job_cannot_read_another_users_private_file_but_reads_its_own()
    {
        var (_, _, bobHome) = OsUsers.Describe(OsUsers.Bob);
        var (aliceUid, aliceGid, aliceHome) = OsUsers.Describe(OsUsers.Alice);
        var bobSecret = Path.Combine(bobHome, "secret-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(bobSecret, "bob's secret");
        File.SetUnixFileMode(bobSecret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var aliceNote = Path.Combine(aliceHome, "note-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(aliceNote, "alice's note");
        File.SetUnixFileMode(aliceNote, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown(aliceNote, aliceUid, aliceGid);
        try
        {
            var (client, repository) = await OsUserWithRepositoryAsync(OsUsers.Alice);

            var job = await client.RunJobAsync(repository, $"scenario: whoami\n{bobSecret}\n{aliceNote}\n/etc/shadow");

            job.Status().ShouldBe("completed", job.ToString());
            var facts = JsonDocument.Parse(File.ReadAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "whoami.json"))).RootElement;
            facts.GetProperty("refused").GetProperty(bobSecret).GetString().ShouldBe("Permission denied");
            facts.GetProperty("refused").GetProperty("/etc/shadow").GetString().ShouldBe("Permission denied");
            facts.GetProperty("read").GetProperty(aliceNote).GetString().ShouldBe("alice's note");
        }
        finally
        {
            File.Delete(bobSecret);
            File.Delete(aliceNote);
        }
    }

    [Fact]
    public async Task Root_is_refused_with_a_clear_reason_and_nothing_runs()
    {
        var root = api.Accounts.EnableRoot();
        var client = await api.LoginAsync(root);
        var repository = await RegisterAsync(client);

        var job = await client.RunJobAsync(repository, "scenario: whoami");

        job.Status().ShouldBe("failed");
        job.GetProperty("error").GetString()!.ShouldContain("below Impersonation:MinUid 1000");
        Directory.Exists(job.GetProperty("cowPath").GetString()).ShouldBeFalse();
        (await client.EventsAsync(job.GetProperty("jobId").GetString()!)).ShouldNotContain(e => e.GetProperty("type").GetString() == "AgentStarted");
    }

    [Fact]
    public async Task A_system_account_is_refused()
    {
        var (client, repository) = await OsUserWithRepositoryAsync(OsUsers.System);

        var job = await client.RunJobAsync(repository, "scenario: whoami");

        job.Status().ShouldBe("failed");
        job.GetProperty("error").GetString()!.ShouldContain($"User '{OsUsers.System}' has uid");
        job.GetProperty("error").GetString()!.ShouldContain("system accounts do not run jobs");
    }

    [Fact]
    public async Task With_ConfigDir_job_each_job_gets_a_private_claude_config_folder_owned_by_its_user()
    {
        var perJob = new ApiFactory().With("Impersonation:Mode", "setpriv").With("Claude:ConfigDir", "job");
        await perJob.InitializeAsync();
        try
        {
            var user = perJob.Accounts.AddOsUser(OsUsers.Alice);
            var client = await perJob.LoginAsync(user);
            var name = $"cfg-{Guid.NewGuid():N}"[..16];
            var (source, _) = perJob.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# r\n" });
            (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");

            var job = await client.RunJobAsync(name, "scenario: whoami");

            job.Status().ShouldBe("completed", job.ToString());
            var facts = JsonDocument.Parse(File.ReadAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "whoami.json"))).RootElement;
            var configDir = facts.GetProperty("env").GetProperty("CLAUDE_CONFIG_DIR").GetString()!;
            configDir.ShouldBe(Path.Combine(perJob.JobsPath, job.GetProperty("jobId").GetString()!, "claude-config"));
            Owner(configDir).ShouldBe(OsUsers.Describe(OsUsers.Alice).Uid);
            File.GetUnixFileMode(configDir).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            facts.GetProperty("env").GetProperty("HOME").GetString().ShouldBe(OsUsers.Describe(OsUsers.Alice).Home);
        }
        finally
        {
            await ((IAsyncLifetime)perJob).DisposeAsync();
        }
    }

    private async Task<(HttpClient Client, string Repository)> OsUserWithRepositoryAsync(string name)
    {
        var user = api.Accounts.AddOsUser(name);
        var client = await api.LoginAsync(user);
        return (client, await RegisterAsync(client));
    }

    private async Task<string> RegisterAsync(HttpClient client)
    {
        var name = $"imp-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n", ["src/main.py"] = "print(1)\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }

    private static int Owner(string path) => int.Parse(Run("stat", "-c", "%u", path).Trim());

    private static void Chown(string path, int uid, int gid) => Run("chown", $"{uid}:{gid}", path);

    private static string Run(params string[] argv)
    {
        var start = new System.Diagnostics.ProcessStartInfo(argv[0]) { RedirectStandardOutput = true };
        foreach (var argument in argv[1..])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
