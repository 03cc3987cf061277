using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Reliability;

/// <summary>kill -9 of the real server with 5 jobs running and 30 queued, then a restart: nothing lost, nothing twice.</summary>
[Trait("Category", "Reliability")]
public sealed class CrashTests
{
    [Fact]
    public async Task After_kill_9_with_5_running_and_30_queued_every_job_ends_once_and_the_views_match_the_events()
    {
        var settings = new ApiFactory().With("Jobs:MaxConcurrent", "5");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var name = "crash-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);

        var running = new List<string>();
        var queued = new List<string>();
        await using (var first = await ServerProcess.StartAsync(settings.Settings))
        {
            var client = await first.LoginAsync(user);
            (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
            for (var i = 0; i < 5; i++)
            {
                running.Add(await client.CreateJobAsync(name, "scenario: sleep", gitAware: false));
            }

            for (var i = 0; i < 30; i++)
            {
                queued.Add(await client.CreateJobAsync(name, "scenario: instant", gitAware: false));
            }

            foreach (var job in running)
            {
                await client.StartJobAsync(job);
            }

            foreach (var job in running)
            {
                await client.WaitForJobAsync(job, j => j.Status() == "running");
            }

            foreach (var job in queued)
            {
                (await client.StartJobAsync(job)).GetProperty("status").GetString().ShouldBe("queued");
            }

            await first.KillHardAsync();
        }

        await using var second = await ServerProcess.StartAsync(settings.Settings);
        var again = await second.LoginAsync(user);
        var agents = new List<int>();
        foreach (var job in running)
        {
            var ended = await again.WaitForJobAsync(job, timeout: TimeSpan.FromSeconds(60));
            ended.Status().ShouldBe("failed", second.Output);
            ended.GetProperty("error").GetString().ShouldBe("interrupted");
            agents.Add((await again.EventsAsync(job)).Single(e => e.GetProperty("type").GetString() == "AgentStarted")
                .GetProperty("data").GetProperty("processId").GetInt32());
        }

        foreach (var job in queued)
        {
            (await again.WaitForJobAsync(job, timeout: TimeSpan.FromSeconds(120))).Status().ShouldBe("completed", second.Output);
        }

        agents.ShouldAllBe(pid => FakeClaude.IsDead(pid), "an agent of an interrupted job outlived the crash and the restart");
        foreach (var job in running.Concat(queued))
        {
            var events = await again.EventsAsync(job);
            events.Count(e => e.GetProperty("type").GetString() == "AgentStarted").ShouldBe(1, $"job {job} ran more than once");
            events.Count(e => e.GetProperty("type").GetString() is "JobCompleted" or "JobFailed").ShouldBe(1);

            // The live view (kept by the projection) against the job rebuilt from its own events.
            var live = await again.GetJobAsync(job);
            var replayed = JsonDocument.Parse(await again.GetStringAsync(
                $"/jobs/{job}/history?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}")).RootElement;
            foreach (var field in new[] { "status", "output", "error", "exitCode", "sessionId", "completedAt" })
            {
                replayed.GetProperty(field).ToString().ShouldBe(live.GetProperty(field).ToString(), $"{field} of {job}");
            }
        }
    }

}
