namespace ClaudeBatch.Domain.Webhooks;

/// <summary>The event names a webhook may subscribe to (<c>type</c> in each delivery's body).</summary>
public static class WebhookEventTypes
{
    public const string JobStarted = "job.started";
    public const string JobCompleted = "job.completed";
    public const string JobFailed = "job.failed";
    public const string JobTimeout = "job.timeout";
    public const string JobCancelled = "job.cancelled";
    public const string RepositoryCloned = "repository.cloned";
    public const string RepositoryCloneFailed = "repository.clone_failed";

    public static readonly IReadOnlyList<string> All =
        [JobStarted, JobCompleted, JobFailed, JobTimeout, JobCancelled, RepositoryCloned, RepositoryCloneFailed];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);
}
