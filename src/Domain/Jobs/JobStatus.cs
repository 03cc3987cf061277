namespace ClaudeBatch.Domain.Jobs;

/// <summary>Where a job is in its life; the API writes these in snake_case (<c>git_pulling</c>, …).</summary>
public enum JobStatus
{
    Created,
    Queued,
    GitPulling,
    GitFailed,
    CidxIndexing,
    CidxReady,
    Running,
    Completed,
    Failed,
    Timeout,
    Cancelled,
}

public enum GitStatus
{
    NotChecked,
    Checking,
    Pulled,
    Failed,
    NotGitRepo,
}

public enum CidxStatus
{
    NotStarted,
    Starting,
    Indexing,
    Ready,
    Failed,
    Stopped,
}

public static class JobStatuses
{
    /// <summary>Started and not finished: waiting in the queue or in the pipeline (for queries that cannot call methods).</summary>
    public static readonly JobStatus[] Active =
        [JobStatus.Queued, JobStatus.GitPulling, JobStatus.CidxIndexing, JobStatus.CidxReady, JobStatus.Running];

    /// <summary>Statuses from which nothing more will happen.</summary>
    public static bool IsFinished(this JobStatus status) =>
        status is JobStatus.GitFailed or JobStatus.Completed or JobStatus.Failed or JobStatus.Timeout or JobStatus.Cancelled;
}
