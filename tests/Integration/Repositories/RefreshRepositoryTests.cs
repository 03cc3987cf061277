using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Repositories;

/// <summary><c>POST /repositories/{name}/pull</c>: a failed clone cloned again, a cloned master fast-forwarded now.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class RefreshRepositoryTests(ApiFactory api)
{
    [Fact]
    public async Task A_failed_clone_is_cloned_again_once_its_source_is_there()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"refresh-{Guid.NewGuid():N}"[..20];
        var source = Directory.CreateDirectory(Path.Combine(api.Sources.Root, name)).FullName;
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("failed");

        var (_, head) = api.Sources.Create(name);
        var response = await client.PostAsync($"/repositories/{name}/pull", null);
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        var accepted = JsonDocument.Parse(body).RootElement;
        (accepted.GetProperty("action").GetString(), accepted.GetProperty("cloneStatus").GetString()).ShouldBe(("clone", "cloning"));
        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("completed", view.ToString());
        view.GetProperty("commitHash").GetString().ShouldBe(head);
        view.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_cloned_master_is_fast_forwarded_now_and_a_pull_that_fails_says_why_on_the_repository()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var source = Path.Combine(api.Sources.Root, repository);
        GitRepos.Git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "newer");
        var head = GitRepos.Git(source, "rev-parse", "HEAD");

        var response = await client.PostAsync($"/repositories/{repository}/pull", null);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        (await WaitAsync(client, repository, v => v.GetProperty("commitHash").GetString() == head)).GetProperty("cloneStatus").GetString()
            .ShouldBe("completed");

        Directory.Delete(source, recursive: true);
        (await client.PostAsync($"/repositories/{repository}/pull", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var failed = await WaitAsync(client, repository, v => v.GetProperty("error").ValueKind == JsonValueKind.String);
        (failed.GetProperty("cloneStatus").GetString(), failed.GetProperty("commitHash").GetString()).ShouldBe(("completed", head));
    }

    [Fact]
    public async Task An_unknown_repository_is_a_404()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var response = await client.PostAsync("/repositories/no-such-repo/pull", null);
        (await response.ShouldBeProblem(HttpStatusCode.NotFound)).GetProperty("type").GetString().ShouldEndWith("repository-not-found");
    }

    private static async Task<JsonElement> WaitAsync(HttpClient client, string name, Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var view = JsonDocument.Parse(await client.GetStringAsync($"/repositories/{name}")).RootElement;
            if (until(view))
            {
                return view;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Repository {name} did not get there: {view}");
            }

            await Task.Delay(50);
        }
    }
}
