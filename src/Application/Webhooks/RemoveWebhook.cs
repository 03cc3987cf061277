using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Webhooks;
using Mediator;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>Removes one of the caller's subscriptions and its secret; deliveries still pending for it are dropped.</summary>
public sealed record RemoveWebhook(string Id, string User) : ICommand<Result<bool>>
{
    public sealed class Handler(IEventStore store, IReadModels views, IWebhookSecrets secrets, TimeProvider clock) : ICommandHandler<RemoveWebhook, Result<bool>>
    {
        public async ValueTask<Result<bool>> Handle(RemoveWebhook command, CancellationToken cancellationToken)
        {
            if (await WebhookOwnership.LoadOwnAsync(views, command.Id, command.User, cancellationToken) is not { } webhook)
            {
                return WebhookOwnership.NotFound;
            }

            store.Append(WebhookStream.For(webhook.WebhookId), new WebhookRemoved(webhook.WebhookId, command.User, clock.GetUtcNow()));
            secrets.Remove(webhook.WebhookId);
            await store.SaveChangesAsync(cancellationToken);
            return true;
        }
    }
}
