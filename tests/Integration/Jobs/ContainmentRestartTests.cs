using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// The real server as a process: a daemon of a job interrupted by <c>kill -9</c> dies at the next start; a server
/// that cannot write cgroup v2 falls back to the agent's session and says so.
/// </summary>
public sealed class ContainmentRestartTests
{
    [Fact]
    public async Task A_daemon_of_a_job_interrupted_by_kill_9_is_gone_within_2_seconds_of_restart_recovery()
    {
        var settings = new ApiFactory().With("Impersonation:Mode", "setpriv");
        await settings.InitializeAsync();
        // Both lives of the server in one cgroup of their own, as under systemd (the unit's cgroup), not the root.
        var unit = HostCgroups.V2Writable() ? Path.Combine(HostCgroups.V2FolderOf(Environment.ProcessId)!, "cbtest-" + Guid.NewGuid().ToString("N")[..8]) : null;
        var launcher = unit is null ? null : new[] { "/bin/sh", "-c", "mkdir -p \"$1\" && echo $$ > \"$1/cgroup.procs\" && shift && exec \"$@\"", "sh", unit };
        var daemon = 0;
        try
        {
            var user = settings.Accounts.AddOsUser(OsUsers.Alice);
            var name = "box-" + Guid.NewGuid().ToString("N")[..8];
            var (source, _) = settings.Sources.Create(name);
            string jobId;
            JsonElement started;
            await using (var first = await ServerProcess.StartAsync(settings.Settings, launcher: launcher))
            {
                var client = await first.LoginAsync(user);
                (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
                (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
                jobId = await client.CreateJobAsync(name, "scenario: daemon-sleep");
                await client.StartJobAsync(jobId);
                started = await Daemons.WaitForAsync(Path.Combine(settings.JobsPath, jobId, "workspace", "daemon.json"));
                daemon = started.GetProperty("pid").GetInt32();
                if (unit is not null)
                {
                    // The job's cgroup is below the server's own.
                    HostCgroups.V2FolderOf(daemon).ShouldStartWith(unit + "/");
                }

                await first.KillHardAsync();
            }

            // The agent dies with the server (parent-death signal); its daemon does not, until recovery ends it.
            await Daemons.ShouldDieWithinAsync(started.GetProperty("agent").GetInt32(), TimeSpan.FromSeconds(5));
            FakeClaude.IsDead(daemon).ShouldBeFalse();

            await using var second = await ServerProcess.StartAsync(settings.Settings, launcher: launcher);
            var again = await second.LoginAsync(user);
            var job = await again.WaitForJobAsync(jobId);

            job.Status().ShouldBe("failed", second.Output);
            job.GetProperty("error").GetString().ShouldBe("interrupted");
            await Daemons.ShouldDieWithinAsync(daemon, TimeSpan.FromSeconds(2));
            if (unit is not null)
            {
                // Nothing of the job is left in the server's cgroup, only the server itself.
                Directory.GetDirectories(unit).ShouldBeEmpty();
            }
        }
        finally
        {
            Daemons.KillIfStillSleeping(daemon);
            await ((IAsyncLifetime)settings).DisposeAsync();
            if (unit is not null && Directory.Exists(unit))
            {
                Directory.Delete(unit);
            }
        }
    }

    [Fact]
    public async Task Without_a_writable_cgroup_v2_jobs_are_contained_by_session_and_health_says_so()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        try
        {
            // The server in a mount namespace of its own where the cgroup2 mount is read-only (the host's stays as it is).
            var launcher = HostCgroups.V2Mount is { } mount
                ? new[] { "unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "mount -o remount,bind,ro \"$1\" && shift && exec \"$@\"", "sh", mount }
                : null;
            await using var server = await ServerProcess.StartAsync(settings.Settings, launcher: launcher);
            var user = settings.Accounts.Add();
            var client = await server.LoginAsync(user);

            var report = JsonDocument.Parse(await client.GetStringAsync("/health/ready")).RootElement;

            report.GetProperty("containment").GetString().ShouldBe("session", server.Output);
            var check = report.GetProperty("checks").GetProperty("containment");
            check.GetProperty("status").GetString().ShouldBe("Healthy");
            check.GetProperty("description").GetString()!.ShouldContain("session");
            // Jobs still run, and what the agent leaves in its own group still dies with it.
            var name = "box-" + Guid.NewGuid().ToString("N")[..8];
            var (source, _) = settings.Sources.Create(name);
            (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
            var job = await client.RunJobAsync(name, "scenario: grandchild-exit");
            job.Status().ShouldBe("completed", server.Output);
            var grandchild = FakeClaude.Invocation(Path.Combine(settings.JobsPath, job.GetProperty("jobId").GetString()!)).GetProperty("grandchild").GetInt32();
            await Daemons.ShouldDieWithinAsync(grandchild, TimeSpan.FromSeconds(2));
        }
        finally
        {
            await ((IAsyncLifetime)settings).DisposeAsync();
        }
    }
}
