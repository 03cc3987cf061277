using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// <c>GET /jobs/{id}/diff</c> and <c>?format=stat</c> after a real job, run as a real OS user: every kind of change, the
/// base commit and the summary in the view, and git's configuration (the user's) never run as the server.
/// </summary>
public sealed class JobDiffTests : IAsyncLifetime
{
    private readonly ApiFactory api = new ApiFactory()
        .With("Impersonation:Mode", "setpriv")
        .With("Jobs:MaxDiffBytes", "4096");

    private HttpClient client = null!;
    private TestUser alice = null!;

    public async Task InitializeAsync()
    {
        await api.InitializeAsync();
        alice = api.Accounts.AddOsUser(OsUsers.Alice);
        client = await api.LoginAsync(alice);
    }

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task A_diff_shows_every_change_against_the_base_commit_and_leaves_out_ignored_files_and_uploads()
    {
        var (repository, head) = await RegisterAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: edit");
        (await client.UploadTextAsync(jobId, "data.csv", "a,b\n1,2\n")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await client.StartJobAsync(jobId);
        var job = await client.WaitForJobAsync(jobId);
        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("baseCommit").GetString().ShouldBe(head);

        var stat = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/diff?format=stat")).RootElement;
        stat.GetProperty("baseCommit").GetString().ShouldBe(head);
        var files = stat.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        files.Keys.Order(StringComparer.Ordinal).ShouldBe(["README.md", "added.txt", "logo.bin", "old.txt", "src/renamed.py", "zz-big.txt"]);
        (files["README.md"].GetProperty("status").GetString(), files["README.md"].GetProperty("additions").GetInt32()).ShouldBe(("modified", 1));
        (files["added.txt"].GetProperty("status").GetString(), files["added.txt"].GetProperty("additions").GetInt32()).ShouldBe(("added", 2));
        (files["old.txt"].GetProperty("status").GetString(), files["old.txt"].GetProperty("deletions").GetInt32()).ShouldBe(("deleted", 3));
        files["src/renamed.py"].GetProperty("status").GetString().ShouldBe("renamed");
        files["src/renamed.py"].GetProperty("oldPath").GetString().ShouldBe("src/name.py");
        files["logo.bin"].GetProperty("binary").GetBoolean().ShouldBeTrue();
        stat.GetProperty("additions").GetInt32().ShouldBe(1 + 2 + 200);
        stat.GetProperty("deletions").GetInt32().ShouldBe(3);

        // The same summary was stored when the turn ended, so the view shows it without a diff.
        var changes = job.GetProperty("changes");
        (changes.GetProperty("files").GetInt32(), changes.GetProperty("additions").GetInt32(), changes.GetProperty("deletions").GetInt32())
            .ShouldBe((6, 203, 3));
        var listed = JsonDocument.Parse(await client.GetStringAsync("/jobs")).RootElement.GetProperty("jobs").EnumerateArray()
            .Single(j => j.GetProperty("jobId").GetString() == jobId);
        listed.GetProperty("changes").GetProperty("additions").GetInt32().ShouldBe(203);
        listed.GetProperty("costUsd").GetDecimal().ShouldBe(job.GetProperty("costUsd").GetDecimal());

        var response = await client.GetAsync($"/jobs/{jobId}/diff");
        var diff = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, diff);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/x-diff");
        diff.ShouldContain("diff --git a/README.md b/README.md");
        diff.ShouldContain("+more\n");
        diff.ShouldContain("new file mode 100644\nindex 0000000");
        diff.ShouldContain("+++ b/added.txt");
        diff.ShouldContain("deleted file mode 100644");
        diff.ShouldContain("rename from src/name.py\nrename to src/renamed.py");
        diff.ShouldContain("Binary files /dev/null and b/logo.bin differ");
        diff.ShouldNotContain("build/out.o");
        diff.ShouldNotContain("data.csv");

        // 200 lines of the last file do not fit in Jobs:MaxDiffBytes: cut after a whole line, and said so.
        response.Headers.GetValues("Diff-Truncated").ShouldBe(["true"]);
        System.Text.Encoding.UTF8.GetByteCount(diff).ShouldBeLessThanOrEqualTo(4096);
        diff.ShouldEndWith("\n");
        diff.ShouldContain("+++ b/zz-big.txt");

        // Nothing in the workspace's own repository moved: the agent's new file is still untracked there.
        var workspace = Path.Combine(api.JobsPath, jobId, "workspace");
        GitRepos.Git(workspace, "-c", "safe.directory=*", "status", "--porcelain").ShouldContain("?? added.txt");
    }

    [Fact]
    public async Task The_workspace_s_git_configuration_runs_only_as_the_job_s_user_and_never_its_hooks_fsmonitor_or_diff_programs()
    {
        // A folder only root may write to: whatever git runs as root there leaves a file.
        var canary = Directory.CreateDirectory(Path.Combine(api.RootPath, "canary")).FullName;
        var (repository, _) = await RegisterAsync();

        var job = await client.RunJobAsync(repository, $"scenario: trap-git\n{canary}");
        job.Status().ShouldBe("completed", job.ToString());
        var jobId = job.GetProperty("jobId").GetString()!;

        var response = await client.GetAsync($"/jobs/{jobId}/diff");
        var diff = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, diff);
        diff.ShouldContain("+trapped");
        (await client.GetAsync($"/jobs/{jobId}/diff?format=stat")).StatusCode.ShouldBe(HttpStatusCode.OK);

        Directory.GetFiles(canary).ShouldBeEmpty();
        // The clean filter (which git runs for any diff of a changed file) ran, as the job's user.
        var ranAs = File.ReadAllText(Path.Combine(api.JobsPath, jobId, "workspace", ".git", "filter-ran-as")).Trim();
        ranAs.ShouldBe(OsUsers.Describe(OsUsers.Alice).Uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Without_git_there_is_no_diff_and_the_answer_says_why()
    {
        var (repository, _) = await RegisterAsync();
        var broken = await client.RunJobAsync(repository, "scenario: break-git");
        broken.Status().ShouldBe("completed", broken.ToString());
        broken.TryGetProperty("changes", out var changes).ShouldBeTrue();
        changes.ValueKind.ShouldBe(JsonValueKind.Null);
        var response = await client.GetAsync($"/jobs/{broken.GetProperty("jobId").GetString()}/diff");
        await ProblemAsync(response, HttpStatusCode.Conflict, "workspace-not-git");

        // A repository that is not a git repository: no base commit at all.
        Directory.Delete(Path.Combine(api.RepositoriesPath, repository, ".git"), recursive: true);
        var plain = await client.RunJobAsync(repository, "scenario: edit");
        plain.Status().ShouldBe("completed", plain.ToString());
        plain.GetProperty("baseCommit").ValueKind.ShouldBe(JsonValueKind.Null);
        var stat = await client.GetAsync($"/jobs/{plain.GetProperty("jobId").GetString()}/diff?format=stat");
        (await ProblemAsync(stat, HttpStatusCode.Conflict, "workspace-not-git")).ShouldContain("not a git repository");
    }

    [Fact]
    public async Task Another_user_s_job_is_not_found_an_unknown_format_is_a_400_and_an_unprepared_workspace_a_404()
    {
        var (repository, _) = await RegisterAsync();
        var job = await client.RunJobAsync(repository, "scenario: instant");
        var jobId = job.GetProperty("jobId").GetString()!;

        var bob = await api.LoginAsync(api.Accounts.Add());
        await ProblemAsync(await bob.GetAsync($"/jobs/{jobId}/diff"), HttpStatusCode.NotFound, "job-not-found");
        await ProblemAsync(await client.GetAsync($"/jobs/{jobId}/diff?format=html"), HttpStatusCode.BadRequest, "diff-format");

        var created = await client.CreateJobAsync(repository, "scenario: instant");
        await ProblemAsync(await client.GetAsync($"/jobs/{created}/diff"), HttpStatusCode.NotFound, "workspace-not-ready");
    }

    /// <summary>Asserts a ProblemDetails of that status and code; returns its detail.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ShouldBeProblem(status);
        problem.GetProperty("type").GetString().ShouldBe(ClaudeBatch.Api.Errors.ProblemTypes.For(code), problem.ToString());
        return problem.GetProperty("detail").GetString()!;
    }

    private async Task<(string Name, string Head)> RegisterAsync()
    {
        var name = $"diff-{Guid.NewGuid():N}"[..16];
        var (source, head) = api.Sources.Create(name, new Dictionary<string, string>
        {
            ["README.md"] = "# r\n",
            ["old.txt"] = "a\nb\nc\n",
            ["src/name.py"] = string.Concat(Enumerable.Range(0, 20).Select(i => $"print({i})\n")),
            [".gitignore"] = "build/\n",
        });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (name, head);
    }
}
