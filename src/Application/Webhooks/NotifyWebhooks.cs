using System.Security.Cryptography;
using System.Text;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>
/// A webhook event happened (durable message, enqueued with the fact): one delivery is made for each of the owner's
/// subscriptions to it. A job's events go to the job's user, a repository's to its registrant.
/// </summary>
public sealed record NotifyWebhooks(string EventType, string Subject, DateTimeOffset At)
{
    public sealed class Handler(IEventStore store, IReadModels views, IWebhookList webhooks)
    {
        public async Task Handle(NotifyWebhooks message, CancellationToken cancellationToken)
        {
            var (owner, data) = await SubjectAsync(message, cancellationToken);
            if (owner is null)
            {
                return;
            }

            var subscribed = await webhooks.SubscribedAsync(owner, message.EventType, cancellationToken);
            if (subscribed.Count == 0)
            {
                return;
            }

            var body = WebhookPayload.Serialize(message.EventType, message.At, data!);
            foreach (var webhook in subscribed)
            {
                var deliveryId = DeliveryIdFor(message, webhook.WebhookId);
                store.AppendExpecting(WebhookDeliveryStream.For(deliveryId), 0,
                    new WebhookDeliveryQueued(deliveryId, webhook.WebhookId, message.EventType, message.Subject, message.At));
                await store.EnqueueAsync(new DeliverWebhook(webhook.WebhookId, deliveryId, message.EventType, body, 1));
            }

            try
            {
                await store.SaveChangesAsync(cancellationToken);
            }
            catch (ConcurrencyConflictException)
            {
                // The same notification again (redelivered after its deliveries were made): they exist already.
            }
        }

        /// <summary>
        /// Who the event goes to, with what it says. The event store asks the same question in SQL before it enqueues the
        /// notification (Infrastructure's <c>WebhookAudience</c>): a change to who owns a subject changes both.
        /// </summary>
        private async Task<(string? Owner, object? Data)> SubjectAsync(NotifyWebhooks message, CancellationToken cancellationToken)
        {
            if (message.EventType.StartsWith("job.", StringComparison.Ordinal))
            {
                var job = await views.LoadAsync<JobView>(JobStream.For(message.Subject), cancellationToken);
                return job is null || job.Deleted ? (null, null) : (job.User, JobDetails.From(job, 0));
            }

            var repository = await views.LoadAsync<RepositoryView>(message.Subject, cancellationToken);
            return repository is null ? (null, null) : (repository.RegisteredBy, repository);
        }

        /// <summary>
        /// The same for the same event and subscription, so a notification handled twice makes its deliveries once (the
        /// second finds their streams), and a receiver can tell a repeat by its <c>webhook-id</c>.
        /// </summary>
        private static string DeliveryIdFor(NotifyWebhooks message, string webhookId)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{message.EventType}\n{message.Subject}\n{message.At.UtcTicks}\n{webhookId}"));
            return "msg_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
        }
    }
}
