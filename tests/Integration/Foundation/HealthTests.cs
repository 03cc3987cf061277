using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Foundation;

[Collection(ApiCollection.Name)]
public sealed class HealthTests(ApiFactory api)
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Health_is_200_and_names_each_check_when_PostgreSQL_is_up(string path)
    {
        var response = await (await api.LoginAsync(api.Accounts.Add())).GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        report.GetProperty("status").GetString().ShouldBe("Healthy");
        report.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Healthy");
        var workspace = report.GetProperty("checks").GetProperty("workspace");
        workspace.GetProperty("status").GetString().ShouldBe("Healthy");
        // The test folders are on the machine's ext4 disk: no reflinks, no snapshots.
        workspace.GetProperty("data").GetProperty("copyStrategy").GetString().ShouldBe("full-copy");
        workspace.GetProperty("data").GetProperty("jobsPathFreeBytes").GetInt64().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Readiness_shows_the_version_the_agent_command_says()
    {
        var response = await (await api.LoginAsync(api.Accounts.Add())).GetAsync("/health/ready");

        var agent = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("agent");
        agent.GetProperty("status").GetString().ShouldBe("Healthy");
        agent.GetProperty("data").GetProperty("version").GetString().ShouldBe("2.1.197 (Claude Code)");
        agent.GetProperty("data").GetProperty("command").GetString().ShouldBe(FakeClaude.Path);
    }

    [Theory]
    [InlineData("/nonexistent/bin/claude")]
    [InlineData("claude-not-installed-anywhere")]
    [InlineData("/etc/hostname")]
    [InlineData("/bin/false")]
    public async Task Readiness_is_503_naming_Claude_Command_when_the_agent_cannot_run(string command)
    {
        var broken = new ApiFactory().With("Claude:Command", command);
        await broken.InitializeAsync();
        try
        {
            var response = await (await broken.LoginAsync(broken.Accounts.Add())).GetAsync("/health/ready");

            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            var agent = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("agent");
            agent.GetProperty("status").GetString().ShouldBe("Unhealthy");
            agent.GetProperty("description").GetString().ShouldContain($"Claude:Command '{command}'");
        }
        finally
        {
            await ((IAsyncLifetime)broken).DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/ready")]
    public async Task Without_a_token_a_report_gives_each_checks_status_and_nothing_of_the_servers_setup(string path)
    {
        var response = await api.CreateClient().GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = await response.Content.ReadAsStringAsync();
        var report = JsonDocument.Parse(text).RootElement;
        report.GetProperty("status").GetString().ShouldBe("Healthy");
        foreach (var check in report.GetProperty("checks").EnumerateObject())
        {
            check.Value.EnumerateObject().Select(p => p.Name).ShouldBe(["status", "durationMs"], ignoreOrder: true, check.Name);
        }

        report.GetProperty("checks").GetProperty("agent").GetProperty("status").GetString().ShouldBe("Healthy");
        // Where the server keeps repositories and workspaces, which program is the agent, where Docker is: none of it.
        text.ShouldNotContain(api.RootPath);
        text.ShouldNotContain(FakeClaude.Path);
        text.ShouldNotContain("2.1.197");
        text.ShouldNotContain("docker.sock");

        // A token that is not valid is no token.
        var forged = api.CreateClient();
        forged.DefaultRequestHeaders.Authorization = new("Bearer", "cbs_" + new string('a', 43));
        (await forged.GetStringAsync(path)).ShouldNotContain(api.RootPath);
    }

    [Fact]
    public async Task Liveness_needs_no_token_and_runs_no_dependency_check()
    {
        var response = await api.CreateClient().GetAsync("/health/live");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        report.GetProperty("checks").EnumerateObject().ShouldBeEmpty();
    }

    [Fact]
    public async Task The_workspace_folders_are_created_at_start()
    {
        await api.CreateClient().GetAsync("/health/live");

        Directory.Exists(Path.Combine(api.RootPath, "repos")).ShouldBeTrue();
        Directory.Exists(Path.Combine(api.RootPath, "jobs")).ShouldBeTrue();
    }
}
