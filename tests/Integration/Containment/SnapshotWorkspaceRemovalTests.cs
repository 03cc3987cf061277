using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>
/// A btrfs snapshot workspace on the loop mount (CLAUDEBATCH_TEST_BTRFS): any user may create subvolumes in a folder
/// they own, and <c>btrfs subvolume delete</c> refuses a subvolume that holds one. A job's user must not be able to
/// keep its folder that way.
/// </summary>
public sealed class SnapshotWorkspaceRemovalTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(
        Environment.GetEnvironmentVariable("CLAUDEBATCH_TEST_BTRFS")
            ?? throw new InvalidOperationException("CLAUDEBATCH_TEST_BTRFS is not set: run the tests through scripts/test.sh, which mounts the filesystems."),
        $"rm-{Guid.NewGuid():N}"[..11]);

    private readonly ApiFactory api;

    public SnapshotWorkspaceRemovalTests() =>
        api = new ApiFactory()
            .With("Impersonation:Mode", "setpriv")
            .With("Workspace:RepositoriesPath", Path.Combine(root, "repos"))
            .With("Workspace:JobsPath", Path.Combine(root, "jobs"))
            .With("Workspace:MinFreeBytes", (64L << 20).ToString()); // the loop filesystem is small

    public Task InitializeAsync() => api.InitializeAsync();

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)api).DisposeAsync();
        using var remove = Process.Start("rm", ["-rf", root]);
        await remove.WaitForExitAsync();
    }

    [Fact]
    public async Task A_subvolume_the_user_made_in_a_snapshot_workspace_does_not_keep_the_job_folder()
    {
        var client = await api.LoginAsync(api.Accounts.AddOsUser(OsUsers.Alice));
        var name = $"snap-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var job = await client.RunJobAsync(name, "scenario: instant", gitAware: false);
        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("workspaceStrategy").GetString().ShouldBe("btrfs-snapshot");
        var workspace = job.GetProperty("cowPath").GetString()!;
        var made = await AsOsUser.RunAsync(OsUsers.Alice, "btrfs", "subvolume", "create", Path.Combine(workspace, "nested"));
        made.ExitCode.ShouldBe(0, made.Error);
        (await AsOsUser.RunAsync(OsUsers.Alice, "touch", Path.Combine(workspace, "nested", "inside.txt"))).ExitCode.ShouldBe(0);

        var response = await client.DeleteAsync($"/jobs/{job.GetProperty("jobId").GetString()}");

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        JsonDocument.Parse(text).RootElement.GetProperty("cowRemoved").GetBoolean().ShouldBeTrue(text);
        Directory.Exists(Path.GetDirectoryName(workspace)).ShouldBeFalse();
        Directory.Exists(Path.Combine(root, "repos", name)).ShouldBeTrue();
    }
}
