namespace ClaudeBatch.Domain.Jobs;

/// <summary>
/// The one rule for a job's status: what it is after each event. The <see cref="Job"/> aggregate, the job view and the
/// live stream all evolve their status through it, so they cannot disagree.
/// </summary>
public static class JobLifecycle
{
    /// <summary>
    /// The status after <paramref name="e"/>, given the status before it. A finished job stays as it ended (a late or
    /// repeated event, which an old stream may hold, changes nothing) until a follow-up queues its next turn.
    /// </summary>
    public static JobStatus Evolve(JobStatus status, object e) => status.IsFinished()
        ? e is FollowUpRequested ? JobStatus.Queued : status
        : e switch
    {
        JobCreated => JobStatus.Created,
        JobQueued or JobPipelineLost => JobStatus.Queued,
        GitPullStarted => JobStatus.GitPulling,
        GitPullFailed => JobStatus.GitFailed,
        CodeIndexStarted => JobStatus.CidxIndexing,
        CodeIndexReady => JobStatus.CidxReady,
        AgentStarted => JobStatus.Running,
        JobCompleted => JobStatus.Completed,
        JobFailed => JobStatus.Failed,
        JobTimedOut => JobStatus.Timeout,
        JobCancelled => JobStatus.Cancelled,
        _ => status,
    };
}
