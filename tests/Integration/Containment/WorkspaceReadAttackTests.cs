using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>
/// A job's user controls its workspace and the server runs as root: what that user (through the agent, a
/// repository, or their own login) can make the file routes read. Each test is an attack that worked on the
/// path-based reader.
/// </summary>
public sealed class WorkspaceReadAttackTests : IAsyncLifetime
{
    private readonly ApiFactory api = new ApiFactory().With("Impersonation:Mode", "setpriv");
    private HttpClient client = null!;
    private string repository = "";

    public async Task InitializeAsync()
    {
        await api.InitializeAsync();
        client = await api.LoginAsync(api.Accounts.AddOsUser(OsUsers.Alice));
        repository = await RegisterAsync(new Dictionary<string, string> { ["README.md"] = "# r\n" });
    }

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task A_chain_of_relative_links_planted_by_the_agent_reads_nothing_outside()
    {
        // b -> /, y -> b/etc, x -> y/shadow: each link alone looks harmless to a text check of its target.
        var shadow = api.Accounts.ShadowPath.TrimStart('/');
        var job = await client.RunJobAsync(repository, $"scenario: symlinks\nb -> /\ny -> b/etc\nx -> y/shadow\ns -> b/{shadow}\nc -> y");
        job.Status().ShouldBe("completed", job.ToString());
        var jobId = job.GetProperty("jobId").GetString()!;

        foreach (var path in new[] { "x", "s", "y/shadow", "b/etc/shadow", "c/passwd" })
        {
            await ShouldNotLeakAsync(jobId, path);
        }

        (await client.GetAsync($"/jobs/{jobId}/files?path=y")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync($"/jobs/{jobId}/files?path=b")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_same_chain_committed_to_a_repository_reads_nothing_outside()
    {
        var name = await RegisterAsync(new Dictionary<string, string> { ["README.md"] = "# r\n" }, work =>
        {
            File.CreateSymbolicLink(Path.Combine(work, "b"), "/");
            File.CreateSymbolicLink(Path.Combine(work, "y"), "b/etc");
            File.CreateSymbolicLink(Path.Combine(work, "x"), "y/shadow");
        });

        var job = await client.RunJobAsync(name, "scenario: instant");
        job.Status().ShouldBe("completed", job.ToString());
        var jobId = job.GetProperty("jobId").GetString()!;

        await ShouldNotLeakAsync(jobId, "x");
        (await client.GetAsync($"/jobs/{jobId}/files?path=y")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Swapping_a_file_for_a_link_while_it_is_read_never_leaks_what_is_outside()
    {
        var (jobId, workspace) = await FinishedJobAsync();
        var outside = Outside();
        File.WriteAllText(Path.Combine(workspace, "race"), "harmless\n");
        File.CreateSymbolicLink(Path.Combine(workspace, "race-swap"), Path.Combine(outside, "victim.txt"));
        HandOver(workspace);

        var (leaks, served, swaps) = await RaceAsync(jobId, workspace, "race", "race-swap", "race");

        leaks.ShouldBe(0);
        served.ShouldBeGreaterThan(0, "the race never let the harmless file through either: it did not run");
        swaps.ShouldBeGreaterThan(1000);
    }

    [Fact]
    public async Task Swapping_a_parent_folder_for_a_link_while_it_is_read_never_leaks_what_is_outside()
    {
        var (jobId, workspace) = await FinishedJobAsync();
        var outside = Outside();
        Directory.CreateDirectory(Path.Combine(workspace, "d"));
        File.WriteAllText(Path.Combine(workspace, "d", "victim.txt"), "harmless\n");
        File.CreateSymbolicLink(Path.Combine(workspace, "d-swap"), outside);
        HandOver(workspace);

        var (leaks, served, swaps) = await RaceAsync(jobId, workspace, "d", "d-swap", "d/victim.txt");

        leaks.ShouldBe(0);
        served.ShouldBeGreaterThan(0, "the race never let the harmless file through either: it did not run");
        swaps.ShouldBeGreaterThan(1000);
    }

    [Fact]
    public async Task A_file_the_jobs_user_cannot_read_is_not_served_even_inside_the_workspace()
    {
        var (jobId, workspace) = await FinishedJobAsync();
        // What root-run tools (a cidx container) or a hard link can leave in a workspace: root's private files.
        var rootOnly = Path.Combine(workspace, "root-only.txt");
        File.WriteAllText(rootOnly, "ROOT-SECRET\n");
        File.SetUnixFileMode(rootOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var closed = Directory.CreateDirectory(Path.Combine(workspace, "closed")).FullName;
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(closed, "open.txt"), "ROOT-SECRET behind a closed folder\n");
        var privateOutside = Path.Combine(api.JobsPath, jobId, "private-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(privateOutside, "ROOT-SECRET linked\n");
        File.SetUnixFileMode(privateOutside, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Run("ln", privateOutside, Path.Combine(workspace, "hard-link"));
        File.WriteAllText(Path.Combine(workspace, "mine.txt"), "alice's\n");
        HandOver(Path.Combine(workspace, "mine.txt"));

        foreach (var path in new[] { "root-only.txt", "closed/open.txt", "hard-link" })
        {
            foreach (var route in new[] { "download", "content" })
            {
                var response = await client.GetAsync($"/jobs/{jobId}/files/{route}?path={path}");
                (await response.Content.ReadAsStringAsync()).ShouldNotContain("ROOT-SECRET");
                (await response.ShouldBeProblem(HttpStatusCode.Forbidden)).GetProperty("type").GetString()
                    .ShouldBe("urn:claude-batch:problem:file-not-readable");
            }
        }

        (await client.GetAsync($"/jobs/{jobId}/files?path=closed")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.GetStringAsync($"/jobs/{jobId}/files/download?path=mine.txt")).ShouldBe("alice's\n");
    }

    [Fact]
    public async Task A_fifo_a_socket_or_a_device_is_refused_at_once_and_the_server_stays_live()
    {
        var (jobId, workspace) = await FinishedJobAsync();
        AsAlice(workspace, "/usr/bin/python3", "-c",
            "import os, socket; os.mkfifo('pipe'); s = socket.socket(socket.AF_UNIX); s.bind('sock'); os.symlink('pipe', 'pipe-link')");
        Run("mknod", Path.Combine(workspace, "null-device"), "c", "1", "3");
        using var impatient = api.CreateClient();
        impatient.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        // The path-based reader blocked in open() until a writer came: without one, these requests never ended.
        impatient.Timeout = TimeSpan.FromSeconds(30);

        var requests = Enumerable.Range(0, 200).Select(i =>
        {
            var path = new[] { "pipe", "sock", "null-device", "pipe-link" }[i % 4];
            return impatient.GetAsync($"/jobs/{jobId}/files/{(i % 2 == 0 ? "download" : "content")}?path={path}");
        }).ToList();
        var live = await impatient.GetAsync("/health/live");
        var responses = await Task.WhenAll(requests);

        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var response in responses)
        {
            (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetProperty("type").GetString()
                .ShouldBe("urn:claude-batch:problem:not-a-regular-file");
        }

        var listing = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files")).RootElement.EnumerateArray().ToList();
        listing.Single(e => e.GetProperty("name").GetString() == "pipe").GetProperty("type").GetString().ShouldBe("other");
    }

    [Fact]
    public async Task A_listing_stops_at_ten_thousand_entries_and_says_so()
    {
        var (jobId, workspace) = await FinishedJobAsync();
        var many = Directory.CreateDirectory(Path.Combine(workspace, "many")).FullName;
        for (var i = 0; i < 10_050; i++)
        {
            File.Create(Path.Combine(many, $"f{i:D5}")).Dispose();
        }

        var response = await client.GetAsync($"/jobs/{jobId}/files?path=many");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("Listing-Truncated").Single().ShouldBe("true");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetArrayLength().ShouldBe(10_000);
        (await client.GetAsync($"/jobs/{jobId}/files")).Headers.Contains("Listing-Truncated").ShouldBeFalse();
    }

    /// <summary>Swaps two names as the job's user while reading <paramref name="path"/> hundreds of times: (leaks, harmless reads, swaps).</summary>
    private async Task<(int Leaks, int Served, int Swaps)> RaceAsync(string jobId, string workspace, string first, string second, string path)
    {
        var stop = Path.Combine(workspace, ".stop-" + Guid.NewGuid().ToString("N")[..6]);
        using var swapper = StartAsAlice(workspace, Path.Combine(AppContext.BaseDirectory, "Fakes", "swap-race"), first, second, stop);
        var leaks = 0;
        var served = 0;
        try
        {
            for (var round = 0; round < 75; round++)
            {
                var reads = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                    client.GetAsync($"/jobs/{jobId}/files/{(i % 2 == 0 ? "download" : "content")}?path={path}")));
                foreach (var read in reads)
                {
                    var body = await read.Content.ReadAsStringAsync();
                    leaks += body.Contains("OUTSIDE-MARKER") ? 1 : 0;
                    served += read.StatusCode == HttpStatusCode.OK && body.Contains("harmless") ? 1 : 0;
                    ((int)read.StatusCode).ShouldBeLessThan(500, body);
                }
            }
        }
        finally
        {
            File.WriteAllText(stop, "");
        }

        var swaps = int.Parse((await swapper.StandardOutput.ReadToEndAsync()).Trim());
        await swapper.WaitForExitAsync();
        return (leaks, served, swaps);
    }

    private async Task<(string JobId, string Workspace)> FinishedJobAsync()
    {
        var job = await client.RunJobAsync(repository, "scenario: instant");
        job.Status().ShouldBe("completed", job.ToString());
        return (job.GetProperty("jobId").GetString()!, job.GetProperty("cowPath").GetString()!);
    }

    /// <summary>A folder outside every workspace that anyone may read: only the workspace boundary keeps it out.</summary>
    private string Outside()
    {
        var outside = Directory.CreateDirectory(Path.Combine(api.RootPath, "outside-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        File.WriteAllText(Path.Combine(outside, "victim.txt"), "OUTSIDE-MARKER\n");
        return outside;
    }

    private async Task<string> RegisterAsync(Dictionary<string, string> files, Action<string>? addLinks = null)
    {
        var name = $"ra-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, files);
        if (addLinks is not null)
        {
            addLinks(source);
            GitRepos.Git(source, "add", "-A");
            GitRepos.Git(source, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "links");
        }

        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }

    private async Task ShouldNotLeakAsync(string jobId, string path)
    {
        foreach (var route in new[] { "download", "content" })
        {
            var response = await client.GetAsync($"/jobs/{jobId}/files/{route}?path={Uri.EscapeDataString(path)}");
            var body = await response.Content.ReadAsStringAsync();
            body.ShouldNotContain("root:");
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{route} {path}: {body}");
        }
    }

    private static void HandOver(string path) => Run("chown", "-R", "-h", $"{OsUsers.Alice}:{OsUsers.Alice}", path);

    private static void AsAlice(string directory, params string[] command)
    {
        using var process = StartAsAlice(directory, command);
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, process.StandardError.ReadToEnd());
    }

    private static Process StartAsAlice(string directory, params string[] command)
    {
        var start = new ProcessStartInfo("setpriv") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { $"--reuid={OsUsers.Alice}", $"--regid={OsUsers.Alice}", "--clear-groups", "--" }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, process.StandardError.ReadToEnd());
    }
}
