using Mediator;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>The caller's subscriptions (never their secrets).</summary>
public sealed record ListWebhooks(string User) : IQuery<IReadOnlyList<WebhookView>>
{
    public sealed class Handler(IWebhookList webhooks) : IQueryHandler<ListWebhooks, IReadOnlyList<WebhookView>>
    {
        public async ValueTask<IReadOnlyList<WebhookView>> Handle(ListWebhooks query, CancellationToken cancellationToken) =>
            await webhooks.OfUserAsync(query.User, cancellationToken);
    }
}
