using System.Net;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Repositories;

/// <summary>
/// SSRF: a server that does not allow private networks (the default) refuses remote sources on loopback, private,
/// link-local or metadata addresses — at registration, again at clone time and again at pull time. Every source
/// here is a real git server on a loopback address, so a refusal that fails shows up as a request it received;
/// no test sends anything to a non-loopback address.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PrivateNetworkSourceTests(ApiFactory api) : IAsyncLifetime
{
    private const string Refused = "urn:claude-batch:problem:private-network-source";
    private GitHttpServer git = null!;
    private GitHttpServer redirector = null!;
    private string head = "";

    public async Task InitializeAsync()
    {
        var root = Path.Combine(api.RootPath, "http-" + Guid.NewGuid().ToString("N")[..8]);
        (_, head) = new GitRepos(root).Create("repo", bare: true);
        git = await GitHttpServer.StartAsync(root, "127.0.0.2", "::1");
        redirector = await GitHttpServer.StartAsync(root);
        redirector.RedirectTo = git.Url;
    }

    public async Task DisposeAsync()
    {
        await git.DisposeAsync();
        await redirector.DisposeAsync();
    }

    public static TheoryData<string> LoopbackSources => new()
    {
        "{127.0.0.1}/repo.git",
        "{127.0.0.2}/repo.git",
        "http://localhost:{port}/repo.git",
        "{[::1]}/repo.git",
        "http://[::ffff:127.0.0.1]:{port}/repo.git",
        "http://0x7f.1:{port}/repo.git",
        "http://deploy:s3cret-pw@127.0.0.1:{port}/repo.git",
        "ssh://git@127.0.0.1:{port}/repo.git",
        "git@localhost:repo.git",
        "{redirector}/repo.git",
    };

    [Theory]
    [MemberData(nameof(LoopbackSources))]
    public async Task A_source_on_a_loopback_address_is_a_400_at_registration(string template)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"ssrf-{Guid.NewGuid():N}"[..20];

        var response = await client.RegisterAsync(name, Url(template));

        var text = await response.Content.ReadAsStringAsync();
        (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetProperty("type").GetString().ShouldBe(Refused, text);
        text.ShouldContain("Repositories:AllowPrivateNetworks");
        text.ShouldNotContain("s3cret-pw");
        await (await client.GetAsync($"/repositories/{name}")).ShouldBeProblem(HttpStatusCode.NotFound);
        git.Requests.ShouldBeEmpty();
        redirector.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_registration_that_reached_the_store_anyway_is_refused_at_clone_time()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var name = $"ssrf-clone-{Guid.NewGuid():N}"[..20];

        // As if registered while Repositories:AllowPrivateNetworks was true, or while the name resolved elsewhere.
        await RegisterBehindTheApiAsync(name, git.Url + "/repo.git", user.Username, cloned: false);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed", view.ToString());
        view.GetProperty("error").GetString()!.ShouldContain("Repositories:AllowPrivateNetworks");
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeFalse();
        git.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_master_clone_whose_origin_is_on_loopback_is_not_pulled()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var name = $"ssrf-pull-{Guid.NewGuid():N}"[..20];
        var origin = git.Url + "/repo.git";
        GitRepos.Git(api.RepositoriesPath, "clone", "-q", origin, name);
        await RegisterBehindTheApiAsync(name, origin, user.Username, cloned: true);
        var before = git.Requests.Count;

        var job = await client.RunJobAsync(name, "hello");

        job.Status().ShouldBe("git_failed", job.ToString());
        job.GetProperty("error").GetString()!.ShouldContain("Repositories:AllowPrivateNetworks");
        git.Requests.Count.ShouldBe(before);
    }

    private string Url(string template) => template
        .Replace("{127.0.0.1}", git.Url)
        .Replace("{127.0.0.2}", git.UrlOn("127.0.0.2"))
        .Replace("{[::1]}", git.UrlOn("[::1]"))
        .Replace("{redirector}", redirector.Url)
        .Replace("{port}", new Uri(git.Url).Port.ToString());

    private async Task RegisterBehindTheApiAsync(string name, string gitUrl, string user, bool cloned)
    {
        using var scope = api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
        var now = DateTimeOffset.UtcNow;
        store.Append(RepositoryStream.For(name), new RepositoryRegistered(name, gitUrl, null, "", false, Path.Combine(api.RepositoriesPath, name), user, now));
        if (cloned)
        {
            store.Append(RepositoryStream.For(name), new RepositoryCloned(name, "main", head, "Initial commit", 1, 1, 1, now));
        }
        else
        {
            await store.EnqueueAsync(new CloneRepository(name));
        }

        await store.SaveChangesAsync(CancellationToken.None);
    }
}
