using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>
/// Which stored facts are webhook events. The event store enqueues a <see cref="NotifyWebhooks"/> for each of them in the
/// unit of work that stores the fact, so a fact never commits without its notification, whoever appended it.
/// </summary>
public static class WebhookTriggers
{
    public static NotifyWebhooks? For(object domainEvent) => domainEvent switch
    {
        JobPipelineStarted e => new(WebhookEventTypes.JobStarted, e.JobId, e.At),
        JobCompleted e => new(WebhookEventTypes.JobCompleted, e.JobId, e.At),
        JobFailed e => new(WebhookEventTypes.JobFailed, e.JobId, e.At),
        // A failed pull ends the job (status git_failed).
        GitPullFailed e => new(WebhookEventTypes.JobFailed, e.JobId, e.At),
        JobTimedOut e => new(WebhookEventTypes.JobTimeout, e.JobId, e.At),
        JobCancelled e => new(WebhookEventTypes.JobCancelled, e.JobId, e.At),
        RepositoryCloned e => new(WebhookEventTypes.RepositoryCloned, e.Name, e.At),
        RepositoryCloneFailed e => new(WebhookEventTypes.RepositoryCloneFailed, e.Name, e.At),
        _ => null,
    };
}
