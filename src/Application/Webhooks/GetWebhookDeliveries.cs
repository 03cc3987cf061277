using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>The delivery log of one of the caller's subscriptions: the latest deliveries, newest first, each with its attempts.</summary>
public sealed record GetWebhookDeliveries(string Id, string User) : IQuery<Result<IReadOnlyList<WebhookDeliveryView>>>
{
    public const int Limit = 100;

    public sealed class Handler(IReadModels views, IWebhookList webhooks)
        : IQueryHandler<GetWebhookDeliveries, Result<IReadOnlyList<WebhookDeliveryView>>>
    {
        public async ValueTask<Result<IReadOnlyList<WebhookDeliveryView>>> Handle(GetWebhookDeliveries query, CancellationToken cancellationToken)
        {
            if (await WebhookOwnership.LoadOwnAsync(views, query.Id, query.User, cancellationToken) is null)
            {
                return WebhookOwnership.NotFound;
            }

            return Result<IReadOnlyList<WebhookDeliveryView>>.Success(await webhooks.DeliveriesAsync(query.Id, Limit, cancellationToken));
        }
    }
}
