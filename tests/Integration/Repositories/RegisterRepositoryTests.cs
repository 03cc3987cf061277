using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Repositories;

[Collection(ApiCollection.Name)]
public sealed class RegisterRepositoryTests(ApiFactory api)
{
    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_registered_repository_is_cloned_in_the_background_at_its_current_commit()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var name = UniqueName("clone");
        var (source, head) = api.Sources.Create(name, new Dictionary<string, string> { ["src/app.py"] = "print('hi')\n", ["README.md"] = "# x\n" });

        var response = await client.RegisterAsync(name, source, "the app");

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Headers.Location!.ToString().ShouldBe($"/repositories/{name}");
        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        created.GetProperty("cloneStatus").GetString().ShouldBe("cloning");
        created.GetProperty("registeredBy").GetString().ShouldBe(user.Username);
        created.GetProperty("description").GetString().ShouldBe("the app");
        created.GetProperty("path").GetString().ShouldBe(Path.Combine(api.RepositoriesPath, name));

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("completed", view.ToString());
        view.GetProperty("commitHash").GetString().ShouldBe(head);
        view.GetProperty("currentBranch").GetString().ShouldBe("main");
        view.GetProperty("commitMessage").GetString().ShouldBe($"Initial commit of {name}");
        view.GetProperty("lastPull").ValueKind.ShouldBe(JsonValueKind.String);
        File.ReadAllText(Path.Combine(api.RepositoriesPath, name, "src", "app.py")).ShouldBe("print('hi')\n");
        GitRepos.Git(Path.Combine(api.RepositoriesPath, name), "rev-parse", "HEAD").ShouldBe(head);

        var list = JsonDocument.Parse(await client.GetStringAsync("/repositories")).RootElement;
        list.EnumerateArray().Select(r => r.GetProperty("name").GetString()).ShouldContain(name);
    }

    [Fact]
    public async Task A_bare_repository_can_be_the_source()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = UniqueName("bare");
        var (source, head) = api.Sources.Create(name, bare: true);

        (await client.RegisterAsync(name, "file://" + source)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("completed", view.ToString());
        view.GetProperty("commitHash").GetString().ShouldBe(head);
    }

    [Theory]
    [InlineData("not-a-repository")]
    [InlineData("does-not-exist")]
    public async Task A_source_that_is_not_a_repository_fails_with_a_reason_and_leaves_no_folder(string kind)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = UniqueName("bad");
        var source = Path.Combine(api.Sources.Root, name + "-" + kind);
        if (kind == "not-a-repository")
        {
            Directory.CreateDirectory(source);
            File.WriteAllText(Path.Combine(source, "file.txt"), "plain folder");
        }

        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed");
        view.GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeFalse();
        Directory.GetDirectories(api.RepositoriesPath, $".{name}*").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_duplicate_name_is_a_409_and_leaves_the_first_repository_alone()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = UniqueName("dup");
        var (source, head) = api.Sources.Create(name);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        await client.WaitForCloneAsync(name);

        var again = await client.RegisterAsync(name, source, "again");

        await again.ShouldBeProblem(HttpStatusCode.Conflict);
        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("commitHash").GetString().ShouldBe(head);
        view.GetProperty("description").GetString().ShouldBe("");
    }

    [Fact]
    public async Task Two_simultaneous_registrations_of_one_name_give_one_201_and_one_409()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = UniqueName("race");
        var (source, _) = api.Sources.Create(name);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.RegisterAsync(name, source)));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(3);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("-flag")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("x\n")]
    public async Task A_bad_name_is_refused_and_no_other_repository_is_harmed(string badName)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var keep = UniqueName("keep");
        var (source, head) = api.Sources.Create(keep);
        (await client.RegisterAsync(keep, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        await client.WaitForCloneAsync(keep);
        string[] Tree() => [.. Directory.GetDirectories(api.RootPath), .. Directory.GetDirectories(api.RepositoriesPath)];
        var before = Tree();

        var response = await client.RegisterAsync(badName, source);

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue();
        GitRepos.Git(Path.Combine(api.RepositoriesPath, keep), "rev-parse", "HEAD").ShouldBe(head);
        Tree().ShouldBe(before, ignoreOrder: true);
    }

    [Fact]
    public async Task A_name_longer_than_100_characters_is_refused()
    {
        var client = await api.LoginAsync(api.Accounts.Add());

        var response = await client.RegisterAsync(new string('a', 101), "https://example.com/x.git");

        await response.ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("ftp://example.com/x.git")]
    [InlineData("just-words")]
    [InlineData("/etc")]
    [InlineData("file:///etc")]
    [InlineData("../../etc")]
    [InlineData("file:///tmp/a%00b")]
    public async Task A_source_that_is_not_an_allowed_url_or_local_root_is_refused(string gitUrl)
    {
        var client = await api.LoginAsync(api.Accounts.Add());

        var response = await client.RegisterAsync(UniqueName("url"), gitUrl);

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("gitUrl", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_description_with_a_NUL_is_a_400_not_a_database_error()
    {
        const string escaped = "a\\u0000b";
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = UniqueName("text");
        var (source, _) = api.Sources.Create(name);
        var body = $"{{\"name\":\"{name}\",\"gitUrl\":{JsonSerializer.Serialize(source)},\"description\":\"{escaped}\"}}";

        var response = await client.PostAsync("/repositories/register", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("description", out _).ShouldBeTrue();
        await (await client.GetAsync($"/repositories/{name}")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_symlink_in_an_allowed_root_that_leads_outside_it_is_not_followed()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = UniqueName("link");
        var outside = new GitRepos(Path.Combine(api.RootPath, "outside-" + name));
        var (target, _) = outside.Create("secret");
        var link = Path.Combine(api.Sources.Root, name);
        File.CreateSymbolicLink(link, target);

        (await client.RegisterAsync(name, link)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed");
        view.GetProperty("error").GetString()!.ShouldContain("AllowedLocalRoots");
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeFalse();
        Directory.Delete(outside.Root, recursive: true);
    }

    [Fact]
    public async Task Registration_needs_a_token() =>
        await (await api.CreateClient().RegisterAsync("x", "https://example.com/x.git")).ShouldBeProblem(HttpStatusCode.Unauthorized);
}
