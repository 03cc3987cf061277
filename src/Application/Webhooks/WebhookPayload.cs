using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>A delivery's body, <c>{type, timestamp, data}</c>, in the API's own JSON form (camelCase, snake_case statuses).</summary>
public static class WebhookPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize(string type, DateTimeOffset timestamp, object data) =>
        JsonSerializer.Serialize(new Body(type, timestamp, data), Json);

    private sealed record Body(string Type, DateTimeOffset Timestamp, object Data);
}
