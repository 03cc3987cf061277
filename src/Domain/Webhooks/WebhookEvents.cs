namespace ClaudeBatch.Domain.Webhooks;

/// <summary>
/// A user subscribed <see cref="Url"/> to <see cref="Events"/>. The signing secret is not here: it is stored encrypted
/// beside the subscription and never becomes part of its history.
/// </summary>
public sealed record WebhookSubscribed(string WebhookId, string User, string Url, IReadOnlyList<string> Events, DateTimeOffset At);

public sealed record WebhookRemoved(string WebhookId, string By, DateTimeOffset At);

/// <summary>The receiver answered 410 Gone: nothing more is sent to the subscription.</summary>
public sealed record WebhookDisabled(string WebhookId, string Reason, DateTimeOffset At);

/// <summary>
/// A delivery (<see cref="DeliveryId"/> is its <c>webhook-id</c> header, the same on every attempt) was made for an event
/// of the subscription's owner.
/// </summary>
public sealed record WebhookDeliveryQueued(string DeliveryId, string WebhookId, string EventType, string Subject, DateTimeOffset At);

/// <summary>
/// One attempt at a delivery: the receiver's status code (none when it could not be reached or did not answer in time),
/// how long it took, and when the next attempt is due (none when this one delivered or was the last).
/// </summary>
public sealed record WebhookDeliveryAttempted(
    string DeliveryId,
    string WebhookId,
    string EventType,
    int Attempt,
    int? StatusCode,
    long DurationMs,
    bool Delivered,
    string? Error,
    DateTimeOffset? NextRetryAt,
    DateTimeOffset At);

/// <summary>The last attempt failed too: the delivery is abandoned.</summary>
public sealed record WebhookDeliveryGaveUp(string DeliveryId, string WebhookId, int Attempts, DateTimeOffset At);

public static class WebhookStream
{
    public static string For(string webhookId) => $"webhook:{webhookId}";
}

/// <summary>
/// Each delivery has its own stream, so deliveries to one subscription run side by side without racing for its
/// stream's next version.
/// </summary>
public static class WebhookDeliveryStream
{
    public static string For(string deliveryId) => $"webhook-delivery:{deliveryId}";
}
