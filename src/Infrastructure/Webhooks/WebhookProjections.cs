using ClaudeBatch.Application.Webhooks;
using ClaudeBatch.Domain.Webhooks;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace ClaudeBatch.Infrastructure.Webhooks;

/// <summary>Keeps <see cref="WebhookView"/> in step with each subscription's stream, in the same transaction; removal deletes it.</summary>
public sealed class WebhookViewProjection : SingleStreamProjection<WebhookView, string>
{
    public WebhookViewProjection()
    {
        IncludeType<WebhookSubscribed>();
        IncludeType<WebhookDisabled>();
        IncludeType<WebhookRemoved>();
    }

    public override WebhookView? Evolve(WebhookView? snapshot, string id, IEvent e) => WebhookView.Next(snapshot, e.Data);
}

/// <summary>The delivery log: <see cref="WebhookDeliveryView"/> kept from each delivery's stream, in the same transaction.</summary>
public sealed class WebhookDeliveryViewProjection : SingleStreamProjection<WebhookDeliveryView, string>
{
    public WebhookDeliveryViewProjection()
    {
        IncludeType<WebhookDeliveryQueued>();
        IncludeType<WebhookDeliveryAttempted>();
        IncludeType<WebhookDeliveryGaveUp>();
    }

    public override WebhookDeliveryView? Evolve(WebhookDeliveryView? snapshot, string id, IEvent e) => WebhookDeliveryView.Next(snapshot, e.Data);
}
