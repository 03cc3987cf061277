namespace ClaudeBatch.Application.Webhooks;

/// <summary>The subscriptions' signing secrets, encrypted, stored in the same unit of work as the subscription.</summary>
public interface IWebhookSecrets
{
    void Store(string webhookId, string protectedSecret);

    Task<string?> LoadAsync(string webhookId, CancellationToken cancellationToken);

    /// <summary>Forgets the secret, in the same unit of work as the subscription's removal.</summary>
    void Remove(string webhookId);
}

/// <summary>Subscriptions and deliveries, read from their views.</summary>
public interface IWebhookList
{
    /// <summary>The user's subscriptions, oldest first.</summary>
    Task<IReadOnlyList<WebhookView>> OfUserAsync(string user, CancellationToken cancellationToken);

    /// <summary>The user's enabled subscriptions to <paramref name="eventType"/>.</summary>
    Task<IReadOnlyList<WebhookView>> SubscribedAsync(string user, string eventType, CancellationToken cancellationToken);

    /// <summary>The subscription's latest deliveries, newest first.</summary>
    Task<IReadOnlyList<WebhookDeliveryView>> DeliveriesAsync(string webhookId, int limit, CancellationToken cancellationToken);
}

/// <summary>One signed delivery attempt, as sent.</summary>
public sealed record WebhookRequest(Uri Url, string DeliveryId, long Timestamp, string Signature, string Body)
{
    // The signature is derived from the secret: never print it.
    public override string ToString() => $"WebhookRequest {{ Url = {Url}, DeliveryId = {DeliveryId} }}";
}

/// <summary>Sends deliveries over HTTP: no redirects followed, and no connection to a private address unless allowed.</summary>
public interface IWebhookSender
{
    Task<Domain.Webhooks.AttemptOutcome> SendAsync(WebhookRequest request, CancellationToken cancellationToken);
}
