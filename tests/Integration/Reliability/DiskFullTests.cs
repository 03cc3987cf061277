using System.Diagnostics;
using System.Net;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Reliability;

/// <summary>The jobs folder on a small filesystem that fills up during the workspace copy.</summary>
[Trait("Category", "Reliability")]
public sealed class DiskFullTests
{
    [Fact]
    public async Task A_copy_that_fills_the_disk_fails_the_job_clearly_leaves_nothing_half_copied_and_the_server_keeps_serving()
    {
        var jobs = Path.Combine(Path.GetTempPath(), "claudebatch-tests", "full-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(jobs);
        Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", jobs);
        var api = new ApiFactory().With("Workspace:JobsPath", jobs).With("Workspace:MinFreeBytes", "0");
        try
        {
            await api.InitializeAsync();
            var client = await api.LoginAsync(api.Accounts.Add());
            var big = $"big-{Guid.NewGuid():N}"[..12];
            var files = Enumerable.Range(0, 24).ToDictionary(i => $"data/blob{i:00}.txt", i => new string((char)('a' + (i % 26)), 512 * 1024));
            var (source, _) = api.Sources.Create(big, files);
            (await client.RegisterAsync(big, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await client.WaitForCloneAsync(big)).GetProperty("cloneStatus").GetString().ShouldBe("completed");

            var job = await client.RunJobAsync(big, "scenario: instant", gitAware: false);

            job.Status().ShouldBe("failed");
            job.GetProperty("error").GetString()!.ShouldContain("The workspace could not be made");
            job.GetProperty("error").GetString()!.ShouldContain("No space left on device");
            Directory.Exists(job.GetProperty("cowPath").GetString()).ShouldBeFalse("a half-copied workspace was left behind");
            new DriveInfo(jobs).AvailableFreeSpace.ShouldBeGreaterThan(7L * 1024 * 1024, "the space the copy took was not given back");

            // The server keeps serving: health, and a job that fits.
            (await api.CreateClient().GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var small = $"small-{Guid.NewGuid():N}"[..12];
            var (smallSource, _) = api.Sources.Create(small);
            (await client.RegisterAsync(small, smallSource)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await client.WaitForCloneAsync(small)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
            (await client.RunJobAsync(small, "scenario: instant", gitAware: false)).Status().ShouldBe("completed");
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
            Run("umount", "-l", jobs);
            Directory.Delete(jobs, recursive: true);
        }
    }

    private static void Run(params string[] argv)
    {
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardError = true };
        foreach (var argument in argv[1..])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', argv)}: {error}");
        }
    }
}
