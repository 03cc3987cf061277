using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// A root server with Impersonation:Mode=none runs jobs as root, where Claude Code refuses
/// --dangerously-skip-permissions: readiness and each job say why and how to fix it, and the agent is never started.
/// (The tests run as root; <see cref="ApiFactory"/> sets IS_SANDBOX=1, these tests take it back.)
/// </summary>
public sealed class RootWithoutImpersonationTests
{
    private static async Task<T> WithServerAsync<T>(Func<ApiFactory, Task<T>> test, params (string Key, string Value)[] settings)
    {
        Environment.IsPrivilegedProcess.ShouldBeTrue("these tests need a root test run, as the rest of the suite");
        var api = new ApiFactory().With("Impersonation:Mode", "none").With("Claude:Environment:IS_SANDBOX", "0");
        foreach (var (key, value) in settings)
        {
            api.With(key, value);
        }

        await api.InitializeAsync();
        try
        {
            return await test(api);
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_job_fails_at_once_saying_how_to_fix_it_and_the_agent_never_starts()
    {
        var (job, events, jobsPath) = await WithServerAsync(async api =>
        {
            var (client, repository, _) = await api.UserWithRepositoryAsync();
            var finished = await client.RunJobAsync(repository, "hello");
            return (finished, await client.EventsAsync(finished.GetProperty("jobId").GetString()!), api.JobsPath);
        });

        job.Status().ShouldBe("failed", job.ToString());
        var error = job.GetProperty("error").GetString()!;
        error.ShouldContain("runs as root with Impersonation:Mode=none");
        error.ShouldContain("Impersonation:Mode=setpriv");
        events.ShouldNotContain(e => e.GetProperty("type").GetString() == "AgentStarted");
        Directory.Exists(job.GetProperty("cowPath").GetString()).ShouldBeFalse("nothing is copied for a job that cannot run");
        File.Exists(Path.Combine(jobsPath, job.GetProperty("jobId").GetString()!, "fake-claude.json")).ShouldBeFalse("the agent must not have run");
    }

    [Fact]
    public async Task Readiness_is_503_with_the_same_reason()
    {
        var (status, agent) = await WithServerAsync(async api =>
        {
            var response = await (await api.LoginAsync(api.Accounts.Add())).GetAsync("/health/ready");
            var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return (response.StatusCode, report.GetProperty("checks").GetProperty("agent").Clone());
        });

        status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        agent.GetProperty("status").GetString().ShouldBe("Unhealthy");
        agent.GetProperty("description").GetString()!.ShouldContain("Impersonation:Mode=none");
        agent.GetProperty("data").GetProperty("version").GetString().ShouldBe("2.1.197 (Claude Code)");
    }

    [Fact]
    public async Task A_permission_mode_the_CLI_accepts_as_root_runs_the_job()
    {
        var job = await WithServerAsync(async api =>
        {
            var (client, repository, _) = await api.UserWithRepositoryAsync();
            return await client.RunJobAsync(repository, "hello");
        }, ("Claude:PermissionMode", "acceptEdits"));

        job.Status().ShouldBe("completed", job.ToString());
    }
}
