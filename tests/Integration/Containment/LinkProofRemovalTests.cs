using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>
/// Removing a job's files while its user fights back: a folder of the workspace exchanged with a link to a root-owned
/// folder thousands of times a second (<c>renameat2(RENAME_EXCHANGE)</c>, as the job's user), and a file root cannot
/// remove for a while. Nothing the links lead to is touched, the API never answers 500, and what could not be removed
/// is recorded and removed by the next retention sweep.
/// </summary>
public sealed class LinkProofRemovalTests : IAsyncLifetime
{
    private const int VictimFiles = 50;
    private const int SwapsBeforeRemoval = 2000;

    private readonly ApiFactory api = new ApiFactory().With("Impersonation:Mode", "setpriv");

    public Task InitializeAsync() => api.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task Deleting_a_job_while_its_user_swaps_a_folder_for_a_link_leaves_what_the_link_leads_to_alone()
    {
        var (client, jobId, workspace) = await FinishedJobOfAliceAsync();
        var victim = Victim();
        await using var attack = await SwapAttack.StartAsync(workspace, victim);

        var response = await client.DeleteAsync($"/jobs/{jobId}");

        var swaps = await attack.FinishAsync();
        Directory.GetFiles(victim).Length.ShouldBe(VictimFiles, "root deleted files of the folder a link led to");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        swaps.ShouldBeGreaterThanOrEqualTo(SwapsBeforeRemoval);
        JsonDocument.Parse(text).RootElement.GetProperty("cowRemoved").GetBoolean().ShouldBeTrue(text);
        Directory.Exists(Path.Combine(api.JobsPath, jobId)).ShouldBeFalse();
        await (await client.GetAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Retention_while_the_user_swaps_a_folder_for_a_link_leaves_what_the_link_leads_to_alone()
    {
        var (client, jobId, workspace) = await FinishedJobOfAliceAsync();
        var victim = Victim();
        await using var attack = await SwapAttack.StartAsync(workspace, victim);

        await SweepAsync();

        var swaps = await attack.FinishAsync();
        Directory.GetFiles(victim).Length.ShouldBe(VictimFiles, "root deleted files of the folder a link led to");
        swaps.ShouldBeGreaterThanOrEqualTo(SwapsBeforeRemoval);
        Directory.Exists(workspace).ShouldBeFalse();
        File.Exists(Path.Combine(api.JobsPath, jobId, "agent.jsonl")).ShouldBeTrue();
        (await client.EventsAsync(jobId)).Last().GetProperty("type").GetString().ShouldBe("WorkspaceRemoved");
    }

    [Fact]
    public async Task A_job_folder_that_cannot_be_removed_yet_is_deleted_anyway_recorded_and_removed_by_the_next_sweep()
    {
        var (client, jobId, workspace) = await FinishedJobOfAliceAsync();
        var pinned = Pin(workspace);
        try
        {
            var response = await client.DeleteAsync($"/jobs/{jobId}");

            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            var body = JsonDocument.Parse(text).RootElement;
            body.GetProperty("success").GetBoolean().ShouldBeTrue();
            body.GetProperty("cowRemoved").GetBoolean().ShouldBeFalse();
            body.GetProperty("removalPending").GetBoolean().ShouldBeTrue();
            await (await client.GetAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
            File.Exists(pinned).ShouldBeTrue();
            var events = await StoredEventsAsync(jobId);
            events.OfType<WorkspaceRemovalFailed>().Single().Reason.ShouldContain("pinned.txt");
            events.OfType<JobDeleted>().Single().WorkspaceRemoved.ShouldBeFalse();
        }
        finally
        {
            Chattr("-i", pinned);
        }

        await SweepAsync();

        Directory.Exists(Path.Combine(api.JobsPath, jobId)).ShouldBeFalse("the sweep did not retry the deleted job's folder");
        (await StoredEventsAsync(jobId)).Last().ShouldBeOfType<WorkspaceRemoved>();
        await SweepAsync();
        (await StoredEventsAsync(jobId)).OfType<WorkspaceRemoved>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task A_workspace_retention_cannot_remove_yet_is_recorded_and_removed_by_the_next_sweep()
    {
        var (client, jobId, workspace) = await FinishedJobOfAliceAsync();
        var pinned = Pin(workspace);
        try
        {
            await SweepAsync();

            File.Exists(pinned).ShouldBeTrue();
            var failed = (await client.EventsAsync(jobId)).Last();
            failed.GetProperty("type").GetString().ShouldBe("WorkspaceRemovalFailed");
            failed.GetProperty("data").GetProperty("reason").GetString()!.ShouldContain("pinned.txt");
            (await client.GetJobAsync(jobId)).Status().ShouldBe("completed");
        }
        finally
        {
            Chattr("-i", pinned);
        }

        await SweepAsync();

        Directory.Exists(workspace).ShouldBeFalse("the sweep did not retry the workspace");
        (await client.EventsAsync(jobId)).Last().GetProperty("type").GetString().ShouldBe("WorkspaceRemoved");
    }

    private async Task<(HttpClient Client, string JobId, string Workspace)> FinishedJobOfAliceAsync()
    {
        var client = await api.LoginAsync(api.Accounts.AddOsUser(OsUsers.Alice));
        var name = $"rm-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n", ["src/main.py"] = "print(1)\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var job = await client.RunJobAsync(name, "scenario: instant");
        job.Status().ShouldBe("completed", job.ToString());
        return (client, job.GetProperty("jobId").GetString()!, job.GetProperty("cowPath").GetString()!);
    }

    /// <summary>A root-owned folder outside every workspace, with <see cref="VictimFiles"/> files.</summary>
    private string Victim()
    {
        var victim = Directory.CreateDirectory(Path.Combine(api.RootPath, $"victim-{Guid.NewGuid():N}"[..15])).FullName;
        for (var i = 0; i < VictimFiles; i++)
        {
            File.WriteAllText(Path.Combine(victim, $"f{i:00}"), "root's");
        }

        return victim;
    }

    /// <summary>A file in the workspace that not even root may remove until <c>chattr -i</c>.</summary>
    private static string Pin(string workspace)
    {
        var pinned = Path.Combine(workspace, "src", "pinned.txt");
        File.WriteAllText(pinned, "immutable for a while");
        Chattr("+i", pinned);
        return pinned;
    }

    private async Task SweepAsync()
    {
        using var scope = api.Services.CreateScope();
        // Retention runs with "now - Jobs:RetentionDays"; a cut-off in the future stands for jobs that old.
        await scope.ServiceProvider.GetRequiredService<RemoveExpiredWorkspaces.Handler>()
            .HandleAsync(new RemoveExpiredWorkspaces(DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None);
    }

    private async Task<List<object>> StoredEventsAsync(string jobId)
    {
        using var scope = api.Services.CreateScope();
        var events = await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync(JobStream.For(jobId), CancellationToken.None);
        return events.Select(e => e.Data).ToList();
    }

    private static void Chattr(string flag, string path)
    {
        using var process = Process.Start("chattr", [flag, path]);
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"chattr {flag} {path}");
    }

    /// <summary>Fakes/swap-links running as the job's user in its workspace.</summary>
    private sealed class SwapAttack : IAsyncDisposable
    {
        private readonly Process process;

        private SwapAttack(Process process) => this.process = process;

        public static async Task<SwapAttack> StartAsync(string workspace, string victim)
        {
            var script = Path.Combine(AppContext.BaseDirectory, "Fakes", "swap-links");
            var attack = new SwapAttack(AsOsUser.Start(OsUsers.Alice, "/usr/bin/python3", "-S", script, workspace, victim, "20", VictimFiles.ToString(), SwapsBeforeRemoval.ToString()));
            var ready = await attack.process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (ready != "ready")
            {
                throw new InvalidOperationException($"swap-links did not start: {await attack.process.StandardError.ReadToEndAsync()}");
            }

            return attack;
        }

        /// <summary>Waits for the attacker to see every pair gone; how many swaps it made in all.</summary>
        public async Task<int> FinishAsync()
        {
            var last = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
            if (last?.StartsWith("swaps ", StringComparison.Ordinal) != true)
            {
                throw new InvalidOperationException($"swap-links failed: {await process.StandardError.ReadToEndAsync()}");
            }

            return int.Parse(last["swaps ".Length..]);
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
