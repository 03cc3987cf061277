using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Webhooks;

/// <summary>Subscriptions: validation, ownership, and a secret that is shown once and stored only encrypted.</summary>
public sealed class WebhookSubscriptionTests(WebhooksApiFactory api) : IClassFixture<WebhooksApiFactory>
{
    [Theory]
    [InlineData("https://example.com/hook", "job.exploded")]
    [InlineData("ftp://example.com/hook", "job.completed")]
    [InlineData("file:///etc/passwd", "job.completed")]
    [InlineData("http://user:pass@127.0.0.1:9/hook", "job.completed")]
    [InlineData("not a url", "job.completed")]
    [InlineData("", "job.completed")]
    public async Task A_bad_url_or_an_unknown_event_is_a_400_problem(string url, string eventName)
    {
        var client = await api.LoginAsync(api.Accounts.Add());

        var response = await client.CreateWebhookRawAsync(url, eventName);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        (await client.GetStringAsync("/webhooks")).ShouldBe("[]");
    }

    [Fact]
    public async Task No_events_is_a_400_problem()
    {
        var client = await api.LoginAsync(api.Accounts.Add());

        await (await client.CreateWebhookRawAsync("https://example.com/hook")).ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Another_users_webhook_is_a_404_to_remove_or_read_and_absent_from_their_list()
    {
        var alice = await api.LoginAsync(api.Accounts.Add());
        var bob = await api.LoginAsync(api.Accounts.Add());
        var webhook = await alice.CreateWebhookAsync("http://127.0.0.1:9/hook", "job.completed");

        await (await bob.DeleteAsync($"/webhooks/{webhook.Id}")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await bob.GetAsync($"/webhooks/{webhook.Id}/deliveries")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await bob.GetStringAsync("/webhooks")).ShouldBe("[]");
        await (await bob.DeleteAsync("/webhooks/no-such-webhook")).ShouldBeProblem(HttpStatusCode.NotFound);

        var mine = JsonDocument.Parse(await alice.GetStringAsync("/webhooks")).RootElement;
        mine.EnumerateArray().ShouldHaveSingleItem().GetProperty("id").GetString().ShouldBe(webhook.Id);
        (await alice.DeleteAsync($"/webhooks/{webhook.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await alice.GetStringAsync("/webhooks")).ShouldBe("[]");
        await (await alice.GetAsync($"/webhooks/{webhook.Id}/deliveries")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_secret_is_in_the_201_only_and_stored_only_encrypted()
    {
        var client = await api.LoginAsync(api.Accounts.Add());

        var webhook = await client.CreateWebhookAsync("http://127.0.0.1:9/hook", "job.completed", "repository.cloned");

        webhook.Secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(webhook.Secret["whsec_".Length..]).Length.ShouldBeInRange(24, 32);
        webhook.Json.GetProperty("url").GetString().ShouldBe("http://127.0.0.1:9/hook");
        webhook.Json.GetProperty("events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["job.completed", "repository.cloned"]);
        var listed = await client.GetStringAsync("/webhooks");
        listed.ShouldContain(webhook.Id);
        listed.ShouldNotContain("whsec_");
        listed.ShouldNotContain("secret", Case.Insensitive);
        (await client.GetStringAsync($"/webhooks/{webhook.Id}/deliveries")).ShouldNotContain("whsec_");

        // Nowhere in the database in clear: neither the secret nor its key bytes; its ciphertext only in its own document.
        var keyPart = webhook.Secret["whsec_".Length..];
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var search = new NpgsqlCommand(
            "SELECT count(*) FROM claudebatch.mt_events WHERE data::text LIKE '%' || @s || '%' OR data::text LIKE '%' || @c || '%'", connection))
        {
            search.Parameters.AddWithValue("s", keyPart);
            search.Parameters.AddWithValue("c", "v1.");
            ((long)(await search.ExecuteScalarAsync())!).ShouldBe(0, "the secret or its ciphertext is in an event");
        }

        await using (var documents = new NpgsqlCommand("SELECT data::text FROM claudebatch.mt_doc_webhooksigningkey WHERE id = @id", connection))
        {
            documents.Parameters.AddWithValue("id", webhook.Id);
            var stored = (string)(await documents.ExecuteScalarAsync())!;
            stored.ShouldNotContain(keyPart);
            stored.ShouldContain("v1.");
        }

        api.ReadLog().ShouldNotContain(keyPart);

        // Removing the subscription forgets its secret.
        (await client.DeleteAsync($"/webhooks/{webhook.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await using var gone = new NpgsqlCommand("SELECT count(*) FROM claudebatch.mt_doc_webhooksigningkey WHERE id = @id", connection);
        gone.Parameters.AddWithValue("id", webhook.Id);
        ((long)(await gone.ExecuteScalarAsync())!).ShouldBe(0);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_webhook_routes_with_401_403_and_404()
    {
        var paths = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");

        foreach (var (path, method, notFound) in new[]
        {
            ("/webhooks", "post", false), ("/webhooks", "get", false), ("/webhooks/{id}", "delete", true), ("/webhooks/{id}/deliveries", "get", true),
        })
        {
            var responses = paths.GetProperty(path).GetProperty(method).GetProperty("responses");
            responses.TryGetProperty("401", out _).ShouldBeTrue($"{method} {path}");
            responses.TryGetProperty("403", out _).ShouldBeTrue($"{method} {path}");
            responses.TryGetProperty("404", out _).ShouldBe(notFound, $"{method} {path}");
        }

        paths.GetProperty("/webhooks").GetProperty("post").GetProperty("responses").TryGetProperty("201", out _).ShouldBeTrue();
        paths.GetProperty("/webhooks").GetProperty("post").GetProperty("responses").TryGetProperty("400", out _).ShouldBeTrue();
    }
}
