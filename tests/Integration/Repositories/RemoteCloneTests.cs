using System.Net;
using System.Net.Sockets;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Repositories;

/// <summary>
/// Clones over HTTP from real git servers on loopback, on a server that allows private networks: they work, with
/// credentials too, but a redirect is never followed, and a failure tells the user only what kind of failure it
/// was (the details, which would make the server a port scanner, go to the log).
/// </summary>
[Collection(PrivateNetworksCollection.Name)]
public sealed class RemoteCloneTests(PrivateNetworksApiFactory api) : IAsyncLifetime
{
    private readonly List<GitHttpServer> servers = [];
    private string root = "";
    private string head = "";

    public Task InitializeAsync()
    {
        root = Path.Combine(api.RootPath, "http-" + Guid.NewGuid().ToString("N")[..8]);
        (_, head) = new GitRepos(root).Create("repo", new Dictionary<string, string> { ["src/app.py"] = "print('hi')\n" }, bare: true);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task A_clone_over_http_works(string host)
    {
        var git = await StartAsync("::1");
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = Name("http");

        (await client.RegisterAsync(name, git.UrlOn(host) + "/repo.git")).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("completed", view.ToString());
        view.GetProperty("commitHash").GetString().ShouldBe(head);
        File.ReadAllText(Path.Combine(api.RepositoriesPath, name, "src", "app.py")).ShouldBe("print('hi')\n");
    }

    [Fact]
    public async Task A_clone_with_credentials_in_the_url_sends_them_when_asked()
    {
        var git = await StartAsync();
        git.RequiredCredentials = "deploy:pa55-w0rd";
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = Name("auth");
        var url = git.Url.Replace("http://", "http://deploy:pa55-w0rd@") + "/repo.git";

        (await client.RegisterAsync(name, url)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("completed", view.ToString());
        view.GetProperty("commitHash").GetString().ShouldBe(head);
    }

    [Fact]
    public async Task A_job_pulls_new_commits_over_http_with_the_credentials()
    {
        var git = await StartAsync();
        git.RequiredCredentials = "deploy:pa55-w0rd";
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = Name("pull");
        (await client.RegisterAsync(name, git.Url.Replace("http://", "http://deploy:pa55-w0rd@") + "/repo.git")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var work = Path.Combine(root, "repo.work");
        File.WriteAllText(Path.Combine(work, "NEWS.md"), "news\n");
        GitRepos.Git(work, "add", "-A");
        GitRepos.Git(work, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "news");
        GitRepos.Git(work, "push", "-q", Path.Combine(root, "repo.git"), "main");

        var job = await client.RunJobAsync(name, "hello");

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("gitStatus").GetString().ShouldBe("pulled");
        job.GetProperty("commitHash").GetString().ShouldBe(GitRepos.Git(work, "rev-parse", "HEAD"));
        File.ReadAllText(Path.Combine(api.RepositoriesPath, name, "NEWS.md")).ShouldBe("news\n");
    }

    [Fact]
    public async Task A_redirect_is_not_followed()
    {
        var target = await StartAsync();
        var redirector = await StartAsync();
        redirector.RedirectTo = target.Url;
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = Name("redirect");

        (await client.RegisterAsync(name, redirector.Url + "/repo.git")).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed", view.ToString());
        view.GetProperty("error").GetString().ShouldBe("The repository answered with a redirect; redirects are not followed.");
        redirector.Requests.ShouldNotBeEmpty();
        target.Requests.ShouldBeEmpty();
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("closed-port", "Could not reach the repository.", "Connection refused")]
    [InlineData("missing", "Not a git repository.", "404")]
    [InlineData("web-page", "Not a git repository.", "text/html")]
    [InlineData("no-credentials", "Authentication failed.", "401")]
    [InlineData("wrong-credentials", "Authentication failed.", "401")]
    public async Task A_failed_clone_says_only_what_kind_of_failure_it_was(string kind, string error, string detailInTheLog)
    {
        var git = await StartAsync();
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = Name("fail");
        var url = git.Url + "/repo.git";
        switch (kind)
        {
            case "closed-port":
                url = $"http://127.0.0.1:{ClosedPort()}/repo.git";
                break;
            case "missing":
                url = git.Url + "/missing.git";
                break;
            case "web-page":
                git.AnswersLikeAWebPage = true;
                break;
            case "no-credentials":
                git.RequiredCredentials = "deploy:right";
                break;
            case "wrong-credentials":
                git.RequiredCredentials = "deploy:right";
                url = git.Url.Replace("http://", "http://deploy:wrong@") + "/repo.git";
                break;
        }

        (await client.RegisterAsync(name, url)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed", view.ToString());
        view.GetProperty("error").GetString().ShouldBe(error);
        await WaitForLogAsync(name, detailInTheLog);
    }

    private async Task<GitHttpServer> StartAsync(params string[] moreLoopbackAddresses)
    {
        var server = await GitHttpServer.StartAsync(root, moreLoopbackAddresses);
        servers.Add(server);
        return server;
    }

    private static string Name(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The detail of the failure is in the server's log (the file sink flushes every second).</summary>
    private async Task WaitForLogAsync(string repository, string detail)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!api.ReadLog().Split('\n').Any(line => line.Contains(repository) && line.Contains(detail)))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the log has no line about {repository} with '{detail}'");
            await Task.Delay(100);
        }
    }
}
