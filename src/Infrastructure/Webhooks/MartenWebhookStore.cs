using ClaudeBatch.Application.Webhooks;
using Marten;

namespace ClaudeBatch.Infrastructure.Webhooks;

/// <summary>A subscription's signing secret, encrypted (<c>AesGcmSecretProtector</c>); a document, never an event.</summary>
public sealed class WebhookSigningKey
{
    public string Id { get; set; } = "";

    public string ProtectedSecret { get; set; } = "";

    public override string ToString() => $"WebhookSigningKey {{ Id = {Id} }}";
}

/// <summary>Stored in the request's own session, so the secret commits with the subscription or not at all.</summary>
internal sealed class MartenWebhookSecrets(IDocumentSession session) : IWebhookSecrets
{
    public void Store(string webhookId, string protectedSecret) =>
        session.Store(new WebhookSigningKey { Id = webhookId, ProtectedSecret = protectedSecret });

    public async Task<string?> LoadAsync(string webhookId, CancellationToken cancellationToken) =>
        (await session.LoadAsync<WebhookSigningKey>(webhookId, cancellationToken))?.ProtectedSecret;

    public void Remove(string webhookId) => session.Delete<WebhookSigningKey>(webhookId);
}

internal sealed class MartenWebhookList(IQuerySession session) : IWebhookList
{
    public async Task<IReadOnlyList<WebhookView>> OfUserAsync(string user, CancellationToken cancellationToken) =>
        await session.Query<WebhookView>().Where(w => w.User == user).OrderBy(w => w.CreatedAt).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<WebhookView>> SubscribedAsync(string user, string eventType, CancellationToken cancellationToken) =>
        (await session.Query<WebhookView>().Where(w => w.User == user && !w.Disabled).ToListAsync(cancellationToken))
            .Where(w => w.Events.Contains(eventType))
            .ToList();

    public async Task<IReadOnlyList<WebhookDeliveryView>> DeliveriesAsync(string webhookId, int limit, CancellationToken cancellationToken) =>
        await session.Query<WebhookDeliveryView>().Where(d => d.WebhookId == webhookId)
            .OrderByDescending(d => d.QueuedAt).Take(limit).ToListAsync(cancellationToken);
}
