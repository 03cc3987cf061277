using System.Net;
using System.Text.Json;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Repositories;

[Collection(SecondApiCollection.Name)]
public sealed class UnregisterRepositoryTests(ApiFactory api)
{
    private async Task<(HttpClient Owner, string Name)> RegisteredAsync()
    {
        var owner = await api.LoginAsync(api.Accounts.Add());
        var name = $"del-{Guid.NewGuid():N}"[..20];
        var (source, _) = api.Sources.Create(name);
        (await owner.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await owner.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (owner, name);
    }

    [Fact]
    public async Task Another_user_may_not_remove_a_repository()
    {
        var (_, name) = await RegisteredAsync();
        var stranger = await api.LoginAsync(api.Accounts.Add());

        var response = await stranger.DeleteAsync($"/repositories/{name}");

        await response.ShouldBeProblem(HttpStatusCode.Forbidden);
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeTrue();
        (await stranger.GetAsync($"/repositories/{name}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_owner_removes_it_the_folder_goes_and_the_fact_is_stored()
    {
        var (owner, name) = await RegisteredAsync();

        var response = await owner.DeleteAsync($"/repositories/{name}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("success").GetBoolean().ShouldBeTrue();
        body.GetProperty("removed").GetBoolean().ShouldBeTrue();
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeFalse();
        await (await owner.GetAsync($"/repositories/{name}")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await Events(name)).Last().ShouldBeOfType<RepositoryUnregistered>();
        await (await owner.DeleteAsync($"/repositories/{name}")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_administrator_may_remove_anyone_s_repository()
    {
        var (_, name) = await RegisteredAsync();
        var admin = api.Accounts.Add();
        api.Accounts.AddAdministrator(admin);
        var client = await api.LoginAsync(admin);

        (await client.DeleteAsync($"/repositories/{name}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        ((RepositoryUnregistered)(await Events(name)).Last()).By.ShouldBe(admin.Username);
    }

    [Fact]
    public async Task A_removed_name_can_be_registered_again()
    {
        var (owner, name) = await RegisteredAsync();
        (await owner.DeleteAsync($"/repositories/{name}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (source, head) = api.Sources.Create(name + "-v2");

        (await owner.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var view = await owner.WaitForCloneAsync(name);
        view.GetProperty("commitHash").GetString().ShouldBe(head);
        (await Events(name)).Select(e => e.GetType().Name).ShouldBe(
            ["RepositoryRegistered", "RepositoryCloned", "RepositoryUnregistered", "RepositoryRegistered", "RepositoryCloned"]);
    }

    [Fact]
    public async Task A_repository_with_a_running_job_is_not_removed_unless_forced()
    {
        var (owner, name) = await RegisteredAsync();
        var jobId = await owner.CreateJobAsync(name, "scenario: sleep");
        await owner.StartJobAsync(jobId);
        await owner.WaitForJobAsync(jobId, j => j.Status() == "running");

        var refused = await owner.DeleteAsync($"/repositories/{name}");

        (await refused.ShouldBeProblem(HttpStatusCode.Conflict)).GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:repository-in-use");
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeTrue();
        (await owner.DeleteAsync($"/repositories/{name}?force=true")).StatusCode.ShouldBe(HttpStatusCode.OK);
        ((RepositoryUnregistered)(await Events(name)).Last()).Forced.ShouldBeTrue();
        await owner.PostAsync($"/jobs/{jobId}/cancel", null);
        (await owner.WaitForJobAsync(jobId)).Status().ShouldBe("cancelled");
    }

    [Fact]
    public async Task A_bad_name_on_delete_is_a_400_and_touches_nothing()
    {
        var (owner, name) = await RegisteredAsync();

        var response = await owner.DeleteAsync("/repositories/..%2F" + name);

        response.StatusCode.ShouldBeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.NotFound);
        Directory.Exists(Path.Combine(api.RepositoriesPath, name)).ShouldBeTrue();
    }

    private async Task<IReadOnlyList<object>> Events(string name)
    {
        using var scope = api.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync(RepositoryStream.For(name), CancellationToken.None))
            .Select(e => e.Data).ToList();
    }
}
