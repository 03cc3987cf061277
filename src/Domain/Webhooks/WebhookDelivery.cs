namespace ClaudeBatch.Domain.Webhooks;

/// <summary>What a receiver answered to one attempt: a status code, or none with the reason it could not be reached.</summary>
public sealed record AttemptOutcome(int? StatusCode, TimeSpan Duration, TimeSpan? RetryAfter, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}

/// <summary>What follows an attempt: its facts, and the delay before the next attempt (none when there is none).</summary>
public sealed record AttemptDecision(IReadOnlyList<object> Events, TimeSpan? NextAttemptIn);

/// <summary>The retry rules of a delivery, decided from each attempt's outcome.</summary>
public static class WebhookDelivery
{
    /// <summary>
    /// After attempt <paramref name="attempt"/> (1 is the first): delivered on a 2xx; a 410 disables the subscription;
    /// anything else is retried after <paramref name="retryDelays"/>[attempt - 1] — or the receiver's
    /// <c>Retry-After</c>, at most <paramref name="maxRetryAfter"/> — until the delays run out, then given up.
    /// </summary>
    public static AttemptDecision Decide(
        string deliveryId, string webhookId, string eventType, int attempt, AttemptOutcome outcome,
        IReadOnlyList<TimeSpan> retryDelays, TimeSpan maxRetryAfter, DateTimeOffset now)
    {
        if (outcome.Delivered)
        {
            return new([Attempted(null, delivered: true)], null);
        }

        if (outcome.StatusCode == 410)
        {
            return new(
            [
                Attempted(null, delivered: false),
                new WebhookDisabled(webhookId, "The receiver answered 410 Gone.", now),
            ], null);
        }

        if (attempt > retryDelays.Count)
        {
            return new([Attempted(null, delivered: false), new WebhookDeliveryGaveUp(deliveryId, webhookId, attempt, now)], null);
        }

        var delay = outcome.RetryAfter is { } asked
            ? TimeSpan.FromTicks(Math.Clamp(asked.Ticks, 0, maxRetryAfter.Ticks))
            : retryDelays[attempt - 1];
        return new([Attempted(now + delay, delivered: false)], delay);

        WebhookDeliveryAttempted Attempted(DateTimeOffset? next, bool delivered) => new(
            deliveryId, webhookId, eventType, attempt, outcome.StatusCode, (long)outcome.Duration.TotalMilliseconds,
            delivered, delivered ? null : outcome.Error ?? $"HTTP {outcome.StatusCode}", next, now);
    }
}
