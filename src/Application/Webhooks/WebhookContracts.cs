using ClaudeBatch.Application.Common;

namespace ClaudeBatch.Application.Webhooks;

/// <summary><c>POST /webhooks</c>.</summary>
public sealed record CreateWebhookRequest(string? Url, List<string>? Events) : IRequestBody;

/// <summary>A subscription as listed: never its secret.</summary>
public sealed record WebhookResponse(
    string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt, bool Disabled, string? DisabledReason, DateTimeOffset? DisabledAt)
{
    public static WebhookResponse From(WebhookView v) => new(v.WebhookId, v.Url, v.Events, v.CreatedAt, v.Disabled, v.DisabledReason, v.DisabledAt);
}

/// <summary>One delivery: <see cref="WebhookId"/> is the <c>webhook-id</c> header every attempt carried.</summary>
public sealed record DeliveryResponse(
    string WebhookId, string EventType, string Subject, DateTimeOffset QueuedAt, string Status, DateTimeOffset? NextRetryAt,
    IReadOnlyList<WebhookAttemptView> Attempts)
{
    public static DeliveryResponse From(WebhookDeliveryView v) =>
        new(v.DeliveryId, v.EventType, v.Subject, v.QueuedAt, v.Status, v.NextRetryAt, v.Attempts);
}
