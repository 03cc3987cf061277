using System.Diagnostics;
using System.Security.Cryptography;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Workspaces;

/// <summary>
/// Workspaces on real XFS and btrfs filesystems (loop mounts that scripts/test.sh makes and names in
/// CLAUDEBATCH_TEST_XFS / CLAUDEBATCH_TEST_BTRFS): the cheap strategy is chosen, the copy shares the master's
/// blocks, and the master never changes when the workspace does.
/// </summary>
public sealed class CopyOnWriteTests
{
    private const int BigFileBytes = 40 * 1024 * 1024;

    [Theory]
    [InlineData("CLAUDEBATCH_TEST_XFS", "reflink")]
    [InlineData("CLAUDEBATCH_TEST_BTRFS", "btrfs-snapshot")]
    public async Task A_workspace_on_a_copy_on_write_filesystem_shares_the_master_s_blocks_and_never_its_writes(string mountVariable, string strategy)
    {
        var mount = Environment.GetEnvironmentVariable(mountVariable)
            ?? throw new InvalidOperationException($"{mountVariable} is not set: run the tests through scripts/test.sh, which mounts the filesystems.");
        var root = Path.Combine(mount, Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await SharesBlocksAsync(mount, root, strategy);
        }
        finally
        {
            RemoveTestFolder(root);
        }
    }

    private static async Task SharesBlocksAsync(string mount, string root, string strategy)
    {
        await using var api = new ApiFactory()
            .With("Workspace:RepositoriesPath", Path.Combine(root, "repos"))
            .With("Workspace:JobsPath", Path.Combine(root, "jobs"))
            .With("Workspace:MinFreeBytes", (64L << 20).ToString()); // the loop filesystems are small
        await api.InitializeAsync();
        var ready = System.Text.Json.JsonDocument.Parse(await (await api.LoginAsync(api.Accounts.Add())).GetStringAsync("/health/ready")).RootElement;
        ready.GetProperty("checks").GetProperty("workspace").GetProperty("data").GetProperty("copyStrategy").GetString().ShouldBe(strategy);
        var (client, repository) = await RepositoryWithBigFileAsync(api);
        var master = Path.Combine(root, "repos", repository);
        var masterHash = Hash(Path.Combine(master, "big.bin"));

        Sync();
        var freeBefore = new DriveInfo(mount).AvailableFreeSpace;
        var job = await client.RunJobAsync(repository, "scenario: instant", gitAware: false);
        Sync();
        var used = freeBefore - new DriveInfo(mount).AvailableFreeSpace;

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("workspaceStrategy").GetString().ShouldBe(strategy);
        used.ShouldBeLessThan(BigFileBytes / 4, $"a {BigFileBytes}-byte file was copied, not shared ({used} bytes used)");

        var workspace = job.GetProperty("cowPath").GetString()!;
        Hash(Path.Combine(workspace, "big.bin")).ShouldBe(masterHash);
        File.GetUnixFileMode(Path.Combine(workspace, "run.sh")).HasFlag(UnixFileMode.UserExecute).ShouldBeTrue();
        new FileInfo(Path.Combine(workspace, "link")).LinkTarget.ShouldBe("README.md");
        await using (var stream = new FileStream(Path.Combine(workspace, "big.bin"), FileMode.Open, FileAccess.Write))
        {
            stream.Write(new byte[4096]);
        }

        Hash(Path.Combine(master, "big.bin")).ShouldBe(masterHash);
        Hash(Path.Combine(workspace, "big.bin")).ShouldNotBe(masterHash);

        var deleted = await client.DeleteAsync($"/jobs/{job.GetProperty("jobId").GetString()}");
        deleted.IsSuccessStatusCode.ShouldBeTrue();
        Directory.Exists(workspace).ShouldBeFalse();
        File.Exists(Path.Combine(master, "big.bin")).ShouldBeTrue();
    }

    /// <summary>
    /// The loop filesystems are small and outlive a run: the test's masters (btrfs subvolumes there) go with it.
    /// </summary>
    private static void RemoveTestFolder(string root)
    {
        var repos = Path.Combine(root, "repos");
        foreach (var master in Directory.Exists(repos) ? Directory.GetDirectories(repos) : [])
        {
            using var delete = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("btrfs", ["subvolume", "delete", master])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            delete?.WaitForExit();
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_forced_strategy_the_filesystem_lacks_fails_the_job_and_says_why()
    {
        // The shared test folder is on the machine's ext4 disk, which has no reflinks.
        await using var api = new ApiFactory().With("Workspace:CopyStrategy", "reflink");
        await api.InitializeAsync();
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: instant", gitAware: false);

        job.Status().ShouldBe("failed");
        job.GetProperty("error").GetString()!.ShouldContain("Workspace:CopyStrategy is 'reflink'");
        Directory.Exists(job.GetProperty("cowPath").GetString()).ShouldBeFalse();
    }

    private static async Task<(HttpClient Client, string Repository)> RepositoryWithBigFileAsync(ApiFactory api)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"cow-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# big\n", ["run.sh"] = "#!/bin/sh\necho hi\n" });
        File.SetUnixFileMode(Path.Combine(source, "run.sh"), (UnixFileMode)0b111_101_101);
        File.CreateSymbolicLink(Path.Combine(source, "link"), "README.md");
        await File.WriteAllBytesAsync(Path.Combine(source, "big.bin"), RandomNumberGenerator.GetBytes(BigFileBytes));
        GitRepos.Git(source, "add", "-A");
        GitRepos.Git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "big");
        (await client.RegisterAsync(name, source)).EnsureSuccessStatusCode();
        (await client.WaitForCloneAsync(name, TimeSpan.FromSeconds(120))).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (client, name);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static void Sync() => Process.Start("sync")!.WaitForExit();
}
