using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ClaudeBatch.Integration.Tests.Support;

public static class WebhookApi
{
    public sealed record Created(string Id, string Secret, JsonElement Json);

    public static Task<HttpResponseMessage> CreateWebhookRawAsync(this HttpClient client, string url, params string[] events) =>
        client.PostAsJsonAsync("/webhooks", new { url, events });

    public static async Task<Created> CreateWebhookAsync(this HttpClient client, string url, params string[] events)
    {
        var response = await client.CreateWebhookRawAsync(url, events);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        var json = JsonDocument.Parse(text).RootElement;
        return new Created(json.GetProperty("id").GetString()!, json.GetProperty("secret").GetString()!, json);
    }

    public static async Task<JsonElement> DeliveriesAsync(this HttpClient client, string webhookId) =>
        JsonDocument.Parse(await client.GetStringAsync($"/webhooks/{webhookId}/deliveries")).RootElement;

    /// <summary>Polls the delivery log until <paramref name="until"/> holds of it.</summary>
    public static async Task<JsonElement> WaitForDeliveriesAsync(
        this HttpClient client, string webhookId, Func<JsonElement, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var log = await client.DeliveriesAsync(webhookId);
            if (until(log))
            {
                return log;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The delivery log of {webhookId} never came to the expected state: {log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A repository of the client's, registered and cloned: a <c>repository.cloned</c> event.</summary>
    public static async Task<string> CloneRepositoryAsync(this HttpClient client, ApiFactory api)
    {
        var name = $"hook-{Guid.NewGuid():N}"[..20];
        var (source, _) = api.Sources.Create(name);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }
}

/// <summary>A server that may deliver to loopback (the only receivers tests may use), retrying after 1 s, 1 s and 1 s.</summary>
public sealed class WebhooksApiFactory : ApiFactory
{
    public static readonly string[] RetryDelays = ["00:00:01", "00:00:01", "00:00:01"];

    public WebhooksApiFactory()
    {
        With("Webhooks:AllowPrivateTargets", "true").With("Webhooks:TimeoutSeconds", "5");
        for (var i = 0; i < RetryDelays.Length; i++)
        {
            With($"Webhooks:RetryDelays:{i}", RetryDelays[i]);
        }
    }
}
