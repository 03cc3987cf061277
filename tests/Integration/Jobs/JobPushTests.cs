using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// <c>POST /jobs/{id}/push</c> after real jobs run as a real OS user, to real repositories: a local bare one and one
/// behind a loopback smart-HTTP server that asks for the registration's credentials. The commit is the job's user's,
/// the push the server's, and the user's git configuration never runs as the server.
/// </summary>
public sealed class JobPushTests : IAsyncLifetime
{
    private const string Secret = "s3cret-pa55w0rd";

    private readonly ApiFactory api = new ApiFactory()
        .With("Impersonation:Mode", "setpriv")
        .With("Repositories:AllowPrivateNetworks", "true");

    private readonly List<GitHttpServer> servers = [];
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        await api.InitializeAsync();
        client = await api.LoginAsync(api.Accounts.AddOsUser(OsUsers.Alice));
    }

    public async Task DisposeAsync()
    {
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }

        await ((IAsyncLifetime)api).DisposeAsync();
    }

    [Fact]
    public async Task A_push_commits_the_agent_s_changes_as_the_job_s_user_and_creates_the_branch_on_origin()
    {
        var (repository, origin, head) = await RegisterAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: edit");
        (await client.UploadTextAsync(jobId, "data.csv", "a,b\n1,2\n")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await client.StartJobAsync(jobId);
        (await client.WaitForJobAsync(jobId)).Status().ShouldBe("completed");

        var pushed = await PushAsync(jobId, new { });
        var branch = pushed.GetProperty("branch").GetString()!;
        var commit = pushed.GetProperty("commit").GetString()!;
        branch.ShouldBe($"claude-batch/{jobId[..8]}");
        pushed.GetProperty("pushed").GetBoolean().ShouldBeTrue();

        GitRepos.Git(origin, "rev-parse", $"refs/heads/{branch}").ShouldBe(commit);
        GitRepos.Git(origin, "log", "-1", "--format=%an|%cn|%P|%s", commit).ShouldBe($"{OsUsers.Alice}|{OsUsers.Alice}|{head}|scenario: edit (claude-batch job {jobId})");
        var files = GitRepos.Git(origin, "show", "--name-status", "--format=", "-M", commit);
        files.ShouldContain("added.txt");
        files.ShouldContain("zz-big.txt");
        files.ShouldContain("src/renamed.py");
        files.ShouldNotContain("data.csv");
        files.ShouldNotContain("build/out.o");
        // The master's checkout did not move, and the workspace's own repository was not touched.
        GitRepos.Git(Path.Combine(api.RepositoriesPath, repository), "rev-parse", "HEAD").ShouldBe(head);
        var workspace = Path.Combine(api.JobsPath, jobId, "workspace");
        GitRepos.Git(workspace, "-c", "safe.directory=*", "status", "--porcelain").ShouldContain("?? added.txt");

        var types = (await client.EventsAsync(jobId)).Select(e => e.GetProperty("type").GetString()).ToList();
        types.ShouldContain("ChangesCommitted");
        types.ShouldContain("BranchPushed");

        // The branch is there now: a 409, unless forced.
        await ProblemAsync(await PostPushAsync(jobId, new { }), HttpStatusCode.Conflict, "branch-exists");
        var forced = await PushAsync(jobId, new { force = true, message = "Second try" });
        forced.GetProperty("branch").GetString().ShouldBe(branch);
        GitRepos.Git(origin, "log", "-1", "--format=%s", $"refs/heads/{branch}").ShouldBe("Second try");

        // ATTACK: force over a branch this job did not push (origin's main, another job's branch) is refused, and main stays.
        var main = GitRepos.Git(origin, "rev-parse", "HEAD");
        await ProblemAsync(await PostPushAsync(jobId, new { branch = "main", force = true }), HttpStatusCode.Conflict, "force-not-allowed");
        GitRepos.Git(origin, "rev-parse", "HEAD").ShouldBe(main);

        var named = await PushAsync(jobId, new { branch = "feature/from-agent" });
        GitRepos.Git(origin, "rev-parse", "refs/heads/feature/from-agent").ShouldBe(named.GetProperty("commit").GetString());
    }

    [Fact]
    public async Task Bad_branches_no_changes_a_running_job_and_another_user_s_job_are_refused()
    {
        var (repository, origin, _) = await RegisterAsync();
        var unchanged = (await client.RunJobAsync(repository, "scenario: instant")).GetProperty("jobId").GetString()!;
        foreach (var bad in new[] { "a..b", "x.lock", "-x", "a b", "a@{1}", "trailing/", "HEAD" })
        {
            await ProblemAsync(await PostPushAsync(unchanged, new { branch = bad }), HttpStatusCode.BadRequest, "invalid-branch");
        }

        await ProblemAsync(await PostPushAsync(unchanged, new { }), (HttpStatusCode)422, "nothing-to-commit");
        (await PostPushAsync(unchanged, new { message = "" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var bob = await api.LoginAsync(api.Accounts.Add());
        (await bob.PostAsJsonAsync($"/jobs/{unchanged}/push", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var running = await client.CreateJobAsync(repository, "scenario: sleep");
        await client.StartJobAsync(running);
        await client.WaitForJobAsync(running, j => j.Status() == "running");
        await ProblemAsync(await PostPushAsync(running, new { }), HttpStatusCode.Conflict, "job-active");
        (await client.PostAsync($"/jobs/{running}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        GitRepos.Git(origin, "for-each-ref", "--format=%(refname)", "refs/heads/").ShouldBe("refs/heads/main");

        // Retention removed the workspace: nothing left to commit from.
        using (var scope = api.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<RemoveExpiredWorkspaces.Handler>()
                .HandleAsync(new RemoveExpiredWorkspaces(DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None);
        }

        await ProblemAsync(await PostPushAsync(unchanged, new { }), HttpStatusCode.Gone, "workspace-removed");
    }

    [Fact]
    public async Task A_push_over_http_uses_the_registration_s_credentials_which_reach_neither_the_workspace_nor_the_events_nor_the_answer()
    {
        var root = Path.Combine(api.RootPath, "http-" + Guid.NewGuid().ToString("N")[..8]);
        var (bare, _) = new GitRepos(root).Create("repo", new Dictionary<string, string>
        {
            ["README.md"] = "# r\n", ["old.txt"] = "a\nb\nc\n", ["src/name.py"] = "print(1)\n",
        }, bare: true);
        GitRepos.Git(bare, "config", "http.receivepack", "true");
        var git = await GitHttpServer.StartAsync(root);
        servers.Add(git);
        git.RequiredCredentials = "deploy:" + Secret;
        var name = $"push-{Guid.NewGuid():N}"[..16];
        (await client.RegisterAsync(name, git.Url.Replace("http://", $"http://deploy:{Secret}@") + "/repo.git")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var jobId = (await client.RunJobAsync(name, "scenario: edit")).GetProperty("jobId").GetString()!;

        // The remote now wants other credentials: the push fails, and says so without the secret.
        git.RequiredCredentials = "deploy:another-one";
        var refused = await PostPushAsync(jobId, new { });
        var detail = await ProblemAsync(refused, HttpStatusCode.Conflict, "push-failed");
        detail.ShouldContain("Authentication failed");
        (await refused.Content.ReadAsStringAsync()).ShouldNotContain(Secret);
        var events = await client.GetStringAsync($"/jobs/{jobId}/events");
        events.ShouldContain("PushFailed");
        events.ShouldNotContain(Secret);

        git.RequiredCredentials = "deploy:" + Secret;
        var pushed = await PushAsync(jobId, new { });
        GitRepos.Git(bare, "rev-parse", $"refs/heads/{pushed.GetProperty("branch").GetString()}").ShouldBe(pushed.GetProperty("commit").GetString());

        var workspaceGit = Path.Combine(api.JobsPath, jobId, "workspace", ".git");
        foreach (var file in Directory.EnumerateFiles(workspaceGit, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/objects/")))
        {
            File.ReadAllText(file).ShouldNotContain(Secret, customMessage: file);
        }

        (await client.GetStringAsync($"/jobs/{jobId}/events")).ShouldNotContain(Secret);
        api.ReadLog().ShouldNotContain(Secret);
    }

    [Fact]
    public async Task ATTACK_the_workspace_s_hooks_fsmonitor_and_alternates_never_run_or_read_as_the_server()
    {
        // Only root may write to the canary folder, and only root may read the secret repository.
        var canary = Directory.CreateDirectory(Path.Combine(api.RootPath, "canary")).FullName;
        var secretRepository = Path.Combine(api.RootPath, "root-only");
        new GitRepos(secretRepository).Create("vault", new Dictionary<string, string> { ["secret.txt"] = "TOP SECRET\n" });
        var vault = Path.Combine(secretRepository, "vault");
        var secretBlob = GitRepos.Git(vault, "rev-parse", "HEAD:secret.txt");
        File.SetUnixFileMode(secretRepository, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (repository, origin, _) = await RegisterAsync();
        var job = await client.RunJobAsync(repository, $"scenario: trap-git\n{canary}");
        job.Status().ShouldBe("completed", job.ToString());
        var jobId = job.GetProperty("jobId").GetString()!;

        // Hooks, fsmonitor and a clean filter in the workspace's configuration: the push works, none ran as root.
        var pushed = await PushAsync(jobId, new { branch = "trapped" });
        GitRepos.Git(origin, "show", $"{pushed.GetProperty("commit").GetString()}:README.md").ShouldContain("trapped");
        Directory.GetFiles(canary).ShouldBeEmpty();

        // The user borrows the root-only objects (alternates) and stages the secret blob, unread, as a file kept out of
        // the working tree: whoever builds the commit as root would find the blob and push it.
        var workspace = Path.Combine(api.JobsPath, jobId, "workspace");
        var (exit, _, error) = await AsOsUser.RunAsync(OsUsers.Alice, "/bin/sh", "-c",
            $"cd '{workspace}' && echo '{vault}/.git/objects' > .git/objects/info/alternates"
            + $" && git update-index --add --cacheinfo 100644,{secretBlob},leak.txt && git update-index --skip-worktree leak.txt");
        exit.ShouldBe(0, error);

        var refused = await PostPushAsync(jobId, new { branch = "leak" });
        // As the job's user git cannot read the borrowed objects, so it cannot build the tree: the commit fails safe.
        (await ProblemAsync(refused, HttpStatusCode.Conflict, "commit-failed")).ShouldNotContain("TOP SECRET");
        Directory.GetFiles(canary).ShouldBeEmpty();
        GitRepos.Git(origin, "for-each-ref", "--format=%(refname)", "refs/heads/leak").ShouldBeEmpty();
        ObjectExists(origin, secretBlob).ShouldBeFalse();
        ObjectExists(Path.Combine(api.RepositoriesPath, repository), secretBlob).ShouldBeFalse();
    }

    private static bool ObjectExists(string repository, string sha)
    {
        try
        {
            GitRepos.Git(repository, "cat-file", "-e", sha);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private Task<HttpResponseMessage> PostPushAsync(string jobId, object body) => client.PostAsJsonAsync($"/jobs/{jobId}/push", body);

    private async Task<JsonElement> PushAsync(string jobId, object body)
    {
        var response = await PostPushAsync(jobId, body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, response.StatusCode == HttpStatusCode.OK ? text : text + string.Join("\n", api.ReadLog().Split("\n").Where(l => l.Contains("\"@x\"") || l.Contains("Push of")).Select(l => l.Length > 1500 ? l[..1500] : l)));
        return JsonDocument.Parse(text).RootElement;
    }

    /// <summary>Asserts a ProblemDetails of that status and code; returns its detail.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ShouldBeProblem(status);
        problem.GetProperty("type").GetString().ShouldBe(ClaudeBatch.Api.Errors.ProblemTypes.For(code), problem.ToString());
        return problem.GetProperty("detail").GetString()!;
    }

    /// <summary>A repository registered from a local bare repository (its origin), cloned.</summary>
    [Fact]
    public async Task The_server_pushes_only_a_commit_the_users_pack_itself_holds()
    {
        // ATTACK: the user's side of a push is the user's (a clean filter in their .git/config can write to the script's
        // output), so it can send an empty pack and name a commit the master already holds — another job's, say. Such a
        // commit, on the right base, must not be pushed under the attacker's branch.
        var (repository, origin, head) = await RegisterAsync();
        var master = Path.Combine(api.RepositoriesPath, repository);
        var scratch = Path.Combine(api.RootPath, "scratch-" + Guid.NewGuid().ToString("N")[..8]);
        GitRepos.Git(api.RootPath, "clone", "-q", origin, scratch);
        File.WriteAllText(Path.Combine(scratch, "secret.txt"), "another job's work\n");
        GitRepos.Git(scratch, "add", "secret.txt");
        GitRepos.Git(scratch, "-c", "user.name=other", "-c", "user.email=o@x", "commit", "-q", "-m", "another job");
        var theirs = GitRepos.Git(scratch, "rev-parse", "HEAD");
        GitRepos.Git(master, "fetch", "-q", scratch, $"{theirs}:refs/claude-batch/held");
        var emptyPack = Path.Combine(api.RootPath, "empty-" + Guid.NewGuid().ToString("N")[..8] + ".pack");
        File.WriteAllBytes(emptyPack, GitRepos.GitBytes(master, "pack-objects", "--stdout", "-q"));

        var source = ClaudeBatch.Domain.Repositories.GitSource.Parse(origin).Value;
        var publisher = api.Services.GetRequiredService<ClaudeBatch.Application.Repositories.IBranchPublisher>();
        using var forged = new ClaudeBatch.Infrastructure.Jobs.PackedCommit(theirs, emptyPack);
        var pushed = await publisher.PushAsync(repository, source, forged, head, "stolen", false, CancellationToken.None);

        pushed.IsSuccess.ShouldBeFalse();
        pushed.Error.Code.ShouldBe("commit-failed");
        GitRepos.Git(origin, "branch", "--list", "stolen").ShouldBeEmpty();
    }

    private async Task<(string Name, string Origin, string Head)> RegisterAsync()
    {
        var name = $"push-{Guid.NewGuid():N}"[..16];
        var (source, head) = api.Sources.Create(name, new Dictionary<string, string>
        {
            ["README.md"] = "# r\n",
            ["old.txt"] = "a\nb\nc\n",
            ["src/name.py"] = string.Concat(Enumerable.Range(0, 20).Select(i => $"print({i})\n")),
            [".gitignore"] = "build/\n",
        }, bare: true);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (name, source, head);
    }
}
