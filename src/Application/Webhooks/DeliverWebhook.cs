using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>
/// One attempt at a delivery (durable message): signed afresh, sent, recorded; a retry is scheduled in the same unit of
/// work as the attempt's record, so neither is lost without the other.
/// </summary>
public sealed record DeliverWebhook(string WebhookId, string DeliveryId, string EventType, string Body, int Attempt, DateTimeOffset? DueAt = null)
{
    /// <summary>
    /// A retry due sooner than this waits in its handler (durably: the message is in the inbox meanwhile, and after a
    /// restart waits what is left); a later one is scheduled with Wolverine, whose scheduled messages are looked for only
    /// every minute on this server (<c>QuietDurability</c>), which is close enough for a pause that long.
    /// </summary>
    public static readonly TimeSpan LongestWaitInHandler = TimeSpan.FromMinutes(1);

    // The body holds the job's prompt and output: not for the log.
    public override string ToString() => $"DeliverWebhook {{ DeliveryId = {DeliveryId}, Attempt = {Attempt} }}";

    public sealed class Handler(
        IEventStore store, IReadModels views, IWebhookSecrets secrets, ISecretProtector protector, IWebhookSender sender,
        WebhooksOptions options, TimeProvider clock)
    {
        public async Task Handle(DeliverWebhook message, CancellationToken cancellationToken)
        {
            // A timer may fire a little early: never send before the pause the receiver was promised.
            while (message.DueAt is { } due && due > clock.GetUtcNow())
            {
                await Task.Delay(due - clock.GetUtcNow() + TimeSpan.FromMilliseconds(1), clock, cancellationToken);
            }

            var webhook = await views.LoadAsync<WebhookView>(WebhookStream.For(message.WebhookId), cancellationToken);
            if (webhook is null || webhook.Disabled)
            {
                // Removed or disabled since: nothing more is sent to it.
                return;
            }

            var outcome = await AttemptAsync(webhook, message, cancellationToken);
            var decision = WebhookDelivery.Decide(
                message.DeliveryId, message.WebhookId, message.EventType, message.Attempt, outcome,
                options.EffectiveRetryDelays, TimeSpan.FromSeconds(options.MaxRetryAfterSeconds), clock.GetUtcNow());
            foreach (var fact in decision.Events)
            {
                store.Append(fact is WebhookDisabled ? WebhookStream.For(message.WebhookId) : WebhookDeliveryStream.For(message.DeliveryId), fact);
            }

            if (decision.NextAttemptIn is { } delay)
            {
                var next = message with { Attempt = message.Attempt + 1, DueAt = clock.GetUtcNow() + delay };
                await (delay < LongestWaitInHandler ? store.EnqueueAsync(next) : store.EnqueueAsync(next, delay));
            }

            await store.SaveChangesAsync(CancellationToken.None);
        }

        private async Task<AttemptOutcome> AttemptAsync(WebhookView webhook, DeliverWebhook message, CancellationToken cancellationToken)
        {
            var stored = await secrets.LoadAsync(webhook.WebhookId, cancellationToken);
            if ((stored is null ? null : protector.Unprotect(stored)) is not { } secret)
            {
                return new AttemptOutcome(null, TimeSpan.Zero, null, "The signing secret could not be read (was Jwt:Key changed?).");
            }

            var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
            var signature = WebhookSignature.Sign(secret, message.DeliveryId, timestamp, message.Body);
            return await sender.SendAsync(new WebhookRequest(new Uri(webhook.Url), message.DeliveryId, timestamp, signature, message.Body), cancellationToken);
        }
    }
}
