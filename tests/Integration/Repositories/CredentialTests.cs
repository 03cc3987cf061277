using System.Net;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Repositories;

[Collection(PrivateNetworksCollection.Name)]
public sealed class CredentialTests(PrivateNetworksApiFactory api)
{
    [Fact]
    public async Task Credentials_in_a_URL_appear_in_no_response_event_or_log()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"cred-{Guid.NewGuid():N}"[..20];
        const string secret = "s3cr3t-t0ken-9f8e7d";
        const string user = "deploy-user-x1";

        var response = await client.RegisterAsync(name, $"https://{user}:{secret}@127.0.0.1:9/org/repo.git");

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = await response.Content.ReadAsStringAsync();
        var view = await client.WaitForCloneAsync(name);
        var list = await client.GetStringAsync("/repositories");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the file sink flushes every second

        view.GetProperty("gitUrl").GetString().ShouldBe("https://127.0.0.1:9/org/repo.git");
        view.GetProperty("cloneStatus").GetString().ShouldBe("failed");
        foreach (var text in new[] { created, view.ToString(), list, await StoredEventsText(name), api.ReadLog() })
        {
            text.ShouldNotContain(secret);
            text.ShouldNotContain(user);
        }
    }

    private async Task<string> StoredEventsText(string name)
    {
        using var scope = api.Services.CreateScope();
        var events = await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync(RepositoryStream.For(name), CancellationToken.None);
        events.ShouldNotBeEmpty();
        return string.Join('\n', events.Select(e => System.Text.Json.JsonSerializer.Serialize(e.Data, e.Data.GetType())));
    }
}
