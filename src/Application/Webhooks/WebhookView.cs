using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>A subscription as <c>GET /webhooks</c> shows it (never its secret); kept by a projection of its stream.</summary>
public sealed class WebhookView
{
    /// <summary>The stream's key (the document's identity): <c>webhook:{webhookId}</c>.</summary>
    public string Id { get; set; } = "";

    public string WebhookId { get; set; } = "";

    public string User { get; set; } = "";

    public string Url { get; set; } = "";

    public List<string> Events { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>True once a receiver answered 410 Gone: nothing is sent any more.</summary>
    public bool Disabled { get; set; }

    public string? DisabledReason { get; set; }

    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>The view after <paramref name="e"/>; null once the subscription is removed (the view is deleted).</summary>
    public static WebhookView? Next(WebhookView? view, object e) => e switch
    {
        WebhookSubscribed s => new WebhookView { Id = WebhookStream.For(s.WebhookId), WebhookId = s.WebhookId, User = s.User, Url = s.Url, Events = [.. s.Events], CreatedAt = s.At },
        WebhookDisabled d when view is not null => view.With(v => (v.Disabled, v.DisabledReason, v.DisabledAt) = (true, d.Reason, d.At)),
        WebhookRemoved => null,
        _ => view,
    };

    private WebhookView With(Action<WebhookView> change)
    {
        change(this);
        return this;
    }
}

/// <summary>
/// One delivery in the log (<c>GET /webhooks/{id}/deliveries</c>): its <c>webhook-id</c>, the event, each attempt, and
/// how it stands (<c>pending</c>, <c>delivered</c>, <c>gave_up</c>, <c>disabled</c>); kept by a projection of its stream.
/// </summary>
public sealed class WebhookDeliveryView
{
    /// <summary>The stream's key (the document's identity): <c>webhook-delivery:{deliveryId}</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>The <c>webhook-id</c> header of every attempt.</summary>
    public string DeliveryId { get; set; } = "";

    public string WebhookId { get; set; } = "";

    public string EventType { get; set; } = "";

    public string Subject { get; set; } = "";

    public DateTimeOffset QueuedAt { get; set; }

    public string Status { get; set; } = "pending";

    public DateTimeOffset? NextRetryAt { get; set; }

    public List<WebhookAttemptView> Attempts { get; set; } = [];

    public static WebhookDeliveryView? Next(WebhookDeliveryView? view, object e)
    {
        switch (e)
        {
            case WebhookDeliveryQueued q:
                return new WebhookDeliveryView { Id = WebhookDeliveryStream.For(q.DeliveryId), DeliveryId = q.DeliveryId, WebhookId = q.WebhookId, EventType = q.EventType, Subject = q.Subject, QueuedAt = q.At };
            case WebhookDeliveryAttempted a when view is not null:
                view.Attempts.Add(new WebhookAttemptView(a.Attempt, a.StatusCode, a.DurationMs, a.Delivered, a.Error, a.NextRetryAt, a.At));
                view.NextRetryAt = a.NextRetryAt;
                view.Status = a.Delivered ? "delivered" : a.StatusCode == 410 ? "disabled" : view.Status;
                return view;
            case WebhookDeliveryGaveUp when view is not null:
                (view.Status, view.NextRetryAt) = ("gave_up", null);
                return view;
            default:
                return view;
        }
    }
}

public sealed record WebhookAttemptView(
    int Attempt, int? StatusCode, long DurationMs, bool Delivered, string? Error, DateTimeOffset? NextRetryAt, DateTimeOffset At);
