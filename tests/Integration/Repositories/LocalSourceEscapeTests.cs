using System.Net;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Repositories;

/// <summary>
/// A local source inside <c>Repositories:AllowedLocalRoots</c> whose git data lives outside them — through a gitfile,
/// alternates, a commondir, a symlinked objects folder or pack, or a chain of relative links — is refused: the
/// server (root) would otherwise copy another repository's objects into a master clone anyone may read.
/// </summary>
[Collection(ThirdApiCollection.Name)]
public sealed class LocalSourceEscapeTests(ApiFactory api) : IDisposable
{
    private const string Secret = "the secret plans\n";
    private readonly GitRepos outside = new(Path.Combine(api.RootPath, "outside-" + Guid.NewGuid().ToString("N")[..8]));

    public void Dispose() => Directory.Delete(outside.Root, recursive: true);

    [Theory]
    [InlineData("alternates")]
    [InlineData("relative-alternates")]
    [InlineData("gitfile")]
    [InlineData("commondir")]
    [InlineData("objects-symlink")]
    [InlineData("pack-symlink")]
    [InlineData("link-chain")]
    public async Task A_source_whose_objects_live_outside_the_allowed_roots_is_not_cloned(string attack)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"escape-{Guid.NewGuid():N}"[..20];
        var source = Path.Combine(api.Sources.Root, name);
        var (secret, secretHead) = outside.Create(name, new Dictionary<string, string> { ["plans.txt"] = Secret });
        var secretGitDir = Path.Combine(secret, ".git");
        switch (attack)
        {
            case "alternates":
                GitRepos.Git(api.Sources.Root, "clone", "-q", "--shared", secret, name);
                break;
            case "relative-alternates":
                GitRepos.Git(api.Sources.Root, "clone", "-q", "--shared", secret, name);
                var objects = Path.Combine(source, ".git", "objects");
                File.WriteAllText(Path.Combine(objects, "info", "alternates"), Path.GetRelativePath(objects, Path.Combine(secretGitDir, "objects")) + "\n");
                break;
            case "gitfile":
                Directory.CreateDirectory(source);
                File.WriteAllText(Path.Combine(source, ".git"), $"gitdir: {secretGitDir}\n");
                break;
            case "commondir":
                Directory.CreateDirectory(source);
                File.WriteAllText(Path.Combine(source, "HEAD"), "ref: refs/heads/main\n");
                File.WriteAllText(Path.Combine(source, "commondir"), secretGitDir + "\n");
                break;
            case "objects-symlink":
                GitRepos.Git(api.Sources.Root, "init", "-q", "--bare", "-b", "main", name);
                Directory.Delete(Path.Combine(source, "objects"), recursive: true);
                File.CreateSymbolicLink(Path.Combine(source, "objects"), Path.Combine(secretGitDir, "objects"));
                GitRepos.Git(source, "update-ref", "refs/heads/main", secretHead);
                break;
            case "pack-symlink":
                GitRepos.Git(api.Sources.Root, "clone", "-q", "--bare", "--no-local", secret, name);
                var pack = Directory.GetFiles(Path.Combine(source, "objects", "pack"), "*.pack").Single();
                var copy = Path.Combine(outside.Root, Path.GetFileName(pack));
                File.Move(pack, copy);
                File.CreateSymbolicLink(pack, copy);
                break;
            case "link-chain":
                // b -> /, y -> b/<outside's parent>, <name> -> y/<outside repo>: each link alone looks harmless.
                File.CreateSymbolicLink(Path.Combine(api.Sources.Root, name + "-b"), "/");
                File.CreateSymbolicLink(Path.Combine(api.Sources.Root, name + "-y"), name + "-b" + outside.Root);
                File.CreateSymbolicLink(source, Path.Combine(name + "-y", name));
                break;
        }

        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed", view.ToString());
        view.GetProperty("error").GetString()!.ShouldContain("AllowedLocalRoots");
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeFalse();
        Directory.GetDirectories(api.RepositoriesPath, $".{name}*").ShouldBeEmpty();
    }

    [Fact]
    public async Task Alternates_added_to_a_source_after_its_clone_stop_the_pull()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"escape-pull-{Guid.NewGuid():N}"[..20];
        var (secret, before) = outside.Create(name);
        GitRepos.Git(api.Sources.Root, "clone", "-q", "--no-local", secret, name);
        var source = Path.Combine(api.Sources.Root, name);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");

        // The next commit exists only outside; the source borrows it through alternates.
        File.WriteAllText(Path.Combine(secret, "plans.txt"), Secret);
        GitRepos.Git(secret, "add", "-A");
        GitRepos.Git(secret, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "secret");
        File.WriteAllText(Path.Combine(source, ".git", "objects", "info", "alternates"), Path.Combine(secret, ".git", "objects") + "\n");
        GitRepos.Git(source, "update-ref", "refs/heads/main", GitRepos.Git(secret, "rev-parse", "HEAD"));

        var job = await client.RunJobAsync(name, "hello");

        job.Status().ShouldBe("git_failed", job.ToString());
        job.GetProperty("error").GetString()!.ShouldContain("AllowedLocalRoots");
        GitRepos.Git(Path.Combine(api.RepositoriesPath, name), "rev-parse", "HEAD").ShouldBe(before);
        File.Exists(Path.Combine(api.RepositoriesPath, name, "plans.txt")).ShouldBeFalse();
    }
}
