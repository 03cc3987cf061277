using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>The real server, as a process, killed with SIGKILL in the middle of a job and started again.</summary>
public sealed class RestartRecoveryTests
{
    [Fact]
    public async Task After_kill_9_the_running_job_fails_as_interrupted_its_processes_die_and_the_queued_job_still_runs()
    {
        var settings = new ApiFactory().With("Jobs:MaxConcurrent", "1");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var name = "restart-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);

        string running, queued;
        System.Text.Json.JsonElement agent;
        await using (var first = await ServerProcess.StartAsync(settings.Settings))
        {
            var client = await first.LoginAsync(user);
            (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
            running = await client.CreateJobAsync(name, "scenario: grandchild");
            queued = await client.CreateJobAsync(name, "scenario: instant");
            await client.StartJobAsync(running);
            await client.WaitForJobAsync(running, j => j.Status() == "running");
            agent = await FakeClaude.WaitForInvocationAsync(Path.Combine(settings.JobsPath, running), withGrandchild: true);
            (await client.StartJobAsync(queued)).GetProperty("queuePosition").GetInt32().ShouldBe(1);

            await first.KillHardAsync();
        }

        // The agent dies with the server (parent-death signal); what it spawned runs in its session until recovery ends it.
        await WaitUntilAsync(() => FakeClaude.IsDead(agent.GetProperty("pid").GetInt32()));
        FakeClaude.IsDead(agent.GetProperty("pid").GetInt32()).ShouldBeTrue();
        FakeClaude.IsDead(agent.GetProperty("grandchild").GetInt32()).ShouldBeFalse();

        await using var second = await ServerProcess.StartAsync(settings.Settings);
        var again = await second.LoginAsync(user);

        var interrupted = await again.WaitForJobAsync(running);
        interrupted.Status().ShouldBe("failed", second.Output);
        interrupted.GetProperty("error").GetString().ShouldBe("interrupted");
        FakeClaude.IsDead(agent.GetProperty("pid").GetInt32()).ShouldBeTrue();
        FakeClaude.IsDead(agent.GetProperty("grandchild").GetInt32()).ShouldBeTrue();
        (await again.WaitForJobAsync(queued, timeout: TimeSpan.FromSeconds(90))).Status().ShouldBe("completed", second.Output);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 50 && !condition(); i++)
        {
            await Task.Delay(100);
        }
    }

}
