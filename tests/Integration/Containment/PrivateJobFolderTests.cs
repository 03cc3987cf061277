using System.Net;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>
/// What the server keeps beside a workspace is the server's: the jobs folder and each job's folder only let a user
/// through to their own workspace (0711), uploads and transcripts are root's alone (0700 / 0600), and folders left by
/// an older server are made so at start, without following a link.
/// </summary>
public sealed class PrivateJobFolderTests : IAsyncLifetime
{
    private const UnixFileMode TraverseOnly = (UnixFileMode)0x1c9; // 0711
    private const UnixFileMode OwnerOnlyFolder = (UnixFileMode)0x1c0; // 0700
    private const UnixFileMode OwnerOnlyFile = (UnixFileMode)0x180; // 0600
    private const UnixFileMode Open = (UnixFileMode)0x1ed; // 0755
    private const UnixFileMode Readable = (UnixFileMode)0x1a4; // 0644

    private readonly ApiFactory api = new ApiFactory().With("Impersonation:Mode", "setpriv");

    public Task InitializeAsync() => api.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task Another_user_can_neither_list_the_jobs_nor_read_a_job_s_uploads_and_transcript()
    {
        var client = await api.LoginAsync(api.Accounts.AddOsUser(OsUsers.Alice));
        var name = $"priv-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var jobId = await client.CreateJobAsync(name, "scenario: instant");
        (await client.UploadTextAsync(jobId, "notes.txt", "alice's private notes")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await client.StartJobAsync(jobId);
        var job = await client.WaitForJobAsync(jobId);
        job.Status().ShouldBe("completed", job.ToString());
        var folder = Path.Combine(api.JobsPath, jobId);
        var staged = Directory.GetFiles(Path.Combine(folder, "staging")).ShouldHaveSingleItem();

        ModeAndOwner(api.JobsPath).ShouldBe((TraverseOnly, 0));
        ModeAndOwner(folder).ShouldBe((TraverseOnly, 0));
        Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order()
            .ShouldBe(["agent.jsonl", "agent.stderr.log", "staging", "workspace"]);
        ModeAndOwner(Path.Combine(folder, "staging")).ShouldBe((OwnerOnlyFolder, 0));
        ModeAndOwner(staged).ShouldBe((OwnerOnlyFile, 0));
        ModeAndOwner(Path.Combine(folder, "agent.jsonl")).ShouldBe((OwnerOnlyFile, 0));
        ModeAndOwner(Path.Combine(folder, "agent.stderr.log")).ShouldBe((OwnerOnlyFile, 0));

        await ShouldBeDeniedToBobAsync("ls", api.JobsPath);
        await ShouldBeDeniedToBobAsync("ls", folder);
        await ShouldBeDeniedToBobAsync("cat", staged);
        await ShouldBeDeniedToBobAsync("cat", Path.Combine(folder, "agent.jsonl"));
        await ShouldBeDeniedToBobAsync("cat", Path.Combine(folder, "agent.stderr.log"));
        // The owner still reaches her workspace through the folders she may only traverse.
        (await AsOsUser.RunAsync(OsUsers.Alice, "cat", Path.Combine(job.GetProperty("cowPath").GetString()!, "files", "notes.txt")))
            .Output.ShouldBe("alice's private notes");
    }

    [Fact]
    public async Task At_start_existing_job_folders_are_made_private_and_no_link_is_followed()
    {
        Directory.CreateDirectory(api.JobsPath);
        File.SetUnixFileMode(api.JobsPath, Open);
        var victim = Directory.CreateDirectory(Path.Combine(api.RootPath, "victim")).FullName;
        File.SetUnixFileMode(victim, Open);
        var victimFile = Path.Combine(victim, "victim.txt");
        File.WriteAllText(victimFile, "root's");
        File.SetUnixFileMode(victimFile, Readable);

        var old = OldJobFolder(Guid.NewGuid().ToString());
        var workspace = Directory.CreateDirectory(Path.Combine(old, "workspace")).FullName;
        File.SetUnixFileMode(workspace, Open);
        // Links where the fix looks: as a job folder, as its staging folder, as its logs.
        Directory.CreateSymbolicLink(Path.Combine(api.JobsPath, Guid.NewGuid().ToString()), victim);
        var linked = Directory.CreateDirectory(Path.Combine(api.JobsPath, Guid.NewGuid().ToString())).FullName;
        File.SetUnixFileMode(linked, Open);
        Directory.CreateSymbolicLink(Path.Combine(linked, "staging"), victim);
        File.CreateSymbolicLink(Path.Combine(linked, "agent.jsonl"), victimFile);

        api.CreateClient(); // starts the server
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((ModeAndOwner(old).Mode != TraverseOnly || ModeAndOwner(linked).Mode != TraverseOnly) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        ModeAndOwner(api.JobsPath).ShouldBe((TraverseOnly, 0));
        ModeAndOwner(old).ShouldBe((TraverseOnly, 0));
        ModeAndOwner(Path.Combine(old, "staging")).ShouldBe((OwnerOnlyFolder, 0));
        ModeAndOwner(Path.Combine(old, "staging", "0123abcd")).ShouldBe((OwnerOnlyFile, 0));
        ModeAndOwner(Path.Combine(old, "agent.jsonl")).ShouldBe((OwnerOnlyFile, 0));
        ModeAndOwner(Path.Combine(old, "agent.stderr.log")).ShouldBe((OwnerOnlyFile, 0));
        ModeAndOwner(workspace).ShouldBe((Open, 0), "the workspace is the job user's business");
        ModeAndOwner(linked).ShouldBe((TraverseOnly, 0));
        ModeAndOwner(victim).ShouldBe((Open, 0));
        ModeAndOwner(victimFile).ShouldBe((Readable, 0));
    }

    /// <summary>A job folder as an older server left it: everything readable by everyone.</summary>
    private string OldJobFolder(string jobId)
    {
        var folder = Directory.CreateDirectory(Path.Combine(api.JobsPath, jobId)).FullName;
        var staging = Directory.CreateDirectory(Path.Combine(folder, "staging")).FullName;
        File.SetUnixFileMode(folder, Open);
        File.SetUnixFileMode(staging, Open);
        foreach (var file in new[] { Path.Combine(staging, "0123abcd"), Path.Combine(folder, "agent.jsonl"), Path.Combine(folder, "agent.stderr.log") })
        {
            File.WriteAllText(file, "{}");
            File.SetUnixFileMode(file, Readable);
        }

        return folder;
    }

    private static async Task ShouldBeDeniedToBobAsync(string program, string path)
    {
        var (exitCode, output, error) = await AsOsUser.RunAsync(OsUsers.Bob, program, path);
        exitCode.ShouldNotBe(0, $"{OsUsers.Bob} could {program} {path}: {output}");
        error.ShouldContain("Permission denied");
    }

    /// <summary>The entry itself (a link is described, not followed).</summary>
    private static (UnixFileMode Mode, int Owner) ModeAndOwner(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%a %u", path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var fields = process.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.TrimEntries);
        process.WaitForExit();
        return ((UnixFileMode)Convert.ToInt32(fields[0], 8), int.Parse(fields[1]));
    }
}
