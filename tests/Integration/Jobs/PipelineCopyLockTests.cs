using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// A workspace copy holds its repository's lock shared and a pull holds it exclusively, so a copy is always of one
/// commit, whole: another job's pull never moves the master half-way through a copy.
/// </summary>
[Collection(GatedCopyCollection.Name)]
public sealed class PipelineCopyLockTests(GatedCopyApiFactory api)
{
    [Fact]
    public async Task A_pull_waits_for_a_workspace_copy_in_progress_and_each_workspace_is_exactly_one_commit()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var source = Path.Combine(api.Sources.Root, repository);
        var master = Path.Combine(api.RepositoriesPath, repository);
        var first = GitRepos.Git(master, "rev-parse", "HEAD");

        // The first job's copy is held open at the gate, inside the pipeline's shared lock.
        var copying = await client.CreateJobAsync(repository, "scenario: instant", gitAware: false);
        var copyingWorkspace = Path.Combine(api.JobsPath, copying, "workspace");
        await client.StartJobAsync(copying);
        await api.Reached(copyingWorkspace).WaitAsync(TimeSpan.FromSeconds(30));

        File.WriteAllText(Path.Combine(source, "src", "main.py"), "print(2)\n");
        File.WriteAllText(Path.Combine(source, "added.txt"), "added by the second commit\n");
        GitRepos.Git(source, "add", "-A");
        GitRepos.Git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "second");
        var second = GitRepos.Git(source, "rev-parse", "HEAD");

        var pulling = await client.CreateJobAsync(repository, "scenario: instant", gitAware: true);
        var pullingWorkspace = Path.Combine(api.JobsPath, pulling, "workspace");
        await client.StartJobAsync(pulling);
        await WaitForEventAsync(client, pulling, "GitPullStarted");
        await Task.Delay(TimeSpan.FromSeconds(2));

        (await TypesAsync(client, pulling)).ShouldNotContain("GitPulled", "the pull went on while a copy of the master was being made");
        GitRepos.Git(master, "rev-parse", "HEAD").ShouldBe(first, "the master moved under a copy in progress");

        api.Open(copyingWorkspace);
        await api.Reached(pullingWorkspace).WaitAsync(TimeSpan.FromSeconds(30));
        api.Open(pullingWorkspace);
        (await client.WaitForJobAsync(copying)).Status().ShouldBe("completed");
        var pulled = await client.WaitForJobAsync(pulling);
        pulled.Status().ShouldBe("completed", pulled.ToString());
        pulled.GetProperty("commitHash").GetString().ShouldBe(second);

        ShouldBeExactly(copyingWorkspace, first);
        File.ReadAllText(Path.Combine(copyingWorkspace, "src", "main.py")).ShouldBe("print(1)\n");
        File.Exists(Path.Combine(copyingWorkspace, "added.txt")).ShouldBeFalse();
        ShouldBeExactly(pullingWorkspace, second);
        File.ReadAllText(Path.Combine(pullingWorkspace, "src", "main.py")).ShouldBe("print(2)\n");
        File.Exists(Path.Combine(pullingWorkspace, "added.txt")).ShouldBeTrue();
    }

    /// <summary>The workspace is checked out at <paramref name="commit"/> and every tracked file is as that commit has it.</summary>
    private static void ShouldBeExactly(string workspace, string commit)
    {
        GitRepos.Git(workspace, "rev-parse", "HEAD").ShouldBe(commit);
        GitRepos.Git(workspace, "status", "--porcelain", "--untracked-files=no").ShouldBeEmpty();
    }

    private static async Task<List<string?>> TypesAsync(HttpClient client, string jobId) =>
        (await client.EventsAsync(jobId)).Select(e => e.GetProperty("type").GetString()).ToList();

    private static async Task WaitForEventAsync(HttpClient client, string jobId, string type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await TypesAsync(client, jobId)).Contains(type))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
