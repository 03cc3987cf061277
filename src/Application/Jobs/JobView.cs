using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Read model of a job, kept by a projection of its stream. The same <c>Apply</c> methods rebuild it from raw
/// events for <c>history?at=</c>, so the live view and the replay cannot disagree.
/// </summary>
public sealed class JobView
{
    public string Id { get; set; } = "";

    public string JobId { get; set; } = "";

    public string User { get; set; } = "";

    public string Repository { get; set; } = "";

    public string Prompt { get; set; } = "";

    /// <summary>The prompt as sent to the agent, placeholders replaced.</summary>
    public string? ResolvedPrompt { get; set; }

    public List<string> Images { get; set; } = [];

    public JobOptions Options { get; set; } = new(0, false, false, null, null);

    public JobStatus Status { get; set; }

    public string? Output { get; set; }

    public int? ExitCode { get; set; }

    public string CowPath { get; set; } = "";

    public GitStatus GitStatus { get; set; }

    public CidxStatus CidxStatus { get; set; }

    public string? CommitHash { get; set; }

    public string? WorkspaceStrategy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the job was queued: the FIFO order of the queue.</summary>
    public DateTimeOffset? QueuedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? SessionId { get; set; }

    public decimal? CostUsd { get; set; }

    public int? NumTurns { get; set; }

    public long? DurationMs { get; set; }

    public int ToolUses { get; set; }

    public string? Error { get; set; }

    /// <summary>Why semantic indexing was not available, when it was asked for and failed.</summary>
    public string? CidxError { get; set; }

    public bool CancellationRequested { get; set; }

    public string? Node { get; set; }

    public bool Deleted { get; set; }

    public DateTimeOffset? WorkspaceRemovedAt { get; set; }

    /// <summary>A removal of the job's files did not finish; the retention sweep tries again (a deleted job's whole folder).</summary>
    public bool RemovalPending { get; set; }

    public static JobView From(JobCreated created) => new()
    {
        Id = JobStream.For(created.JobId),
        JobId = created.JobId,
        User = created.User,
        Repository = created.Repository,
        Prompt = created.Prompt,
        Images = [.. created.Images],
        Options = created.Options,
        CowPath = created.CowPath,
        Status = JobStatus.Created,
        CreatedAt = created.At,
    };

    public void Apply(JobQueued e) => (Status, QueuedAt) = (JobStatus.Queued, e.At);

    public void Apply(JobPipelineStarted e) => (Node, StartedAt) = (e.Node, e.At);

    public void Apply(GitPullStarted e) => (Status, GitStatus) = (JobStatus.GitPulling, GitStatus.Checking);

    public void Apply(GitPulled e) => (GitStatus, CommitHash) = (GitStatus.Pulled, e.CommitHash);

    public void Apply(GitPullSkipped e) => GitStatus = e.Status;

    public void Apply(GitPullFailed e) => Finish(JobStatus.GitFailed, e.At, e.Reason, null, gitStatus: GitStatus.Failed);

    public void Apply(WorkspacePrepared e) => WorkspaceStrategy = e.Strategy;

    public void Apply(PromptResolved e) => ResolvedPrompt = e.Prompt;

    public void Apply(CodeIndexStarted e) => (Status, CidxStatus) = (JobStatus.CidxIndexing, CidxStatus.Starting);

    public void Apply(CodeIndexServicesStarted e) => CidxStatus = CidxStatus.Indexing;

    public void Apply(CodeIndexReady e) => (Status, CidxStatus) = (JobStatus.CidxReady, CidxStatus.Ready);

    public void Apply(CodeIndexFailed e) => (CidxStatus, CidxError) = (CidxStatus.Failed, e.Reason);

    public void Apply(CodeIndexStopped e) => CidxStatus = CidxStatus == CidxStatus.Failed ? CidxStatus.Failed : CidxStatus.Stopped;

    public void Apply(AgentStarted e) => (Status, Node) = (JobStatus.Running, e.Node);

    public void Apply(AgentSessionStarted e) => SessionId = e.SessionId;

    public void Apply(AgentToolUsed e) => ToolUses++;

    public void Apply(JobCompleted e) => Finish(JobStatus.Completed, e.At, null, e.Result);

    public void Apply(JobFailed e) => Finish(JobStatus.Failed, e.At, e.Reason, e.Result);

    public void Apply(JobTimedOut e) =>
        Finish(JobStatus.Timeout, e.At, $"The job exceeded its timeout of {e.TimeoutSeconds} seconds.", e.Result);

    public void Apply(JobCancellationRequested e) => CancellationRequested = true;

    public void Apply(JobCancelled e) => Finish(JobStatus.Cancelled, e.At, "The job was cancelled.", e.Result);

    public void Apply(JobDeleted e) => (Deleted, RemovalPending) = (true, false);

    public void Apply(WorkspaceRemoved e) => (WorkspaceRemovedAt, RemovalPending) = (e.At, false);

    public void Apply(WorkspaceRemovalFailed e) => RemovalPending = true;

    /// <summary>Applies any job event; used to replay a stream up to an instant.</summary>
    public static JobView? Replay(IEnumerable<object> events)
    {
        JobView? view = null;
        foreach (var data in events)
        {
            if (data is JobCreated created)
            {
                view = From(created);
                continue;
            }

            view?.Fold(data);
        }

        return view;
    }

    /// <summary>Applies one event of the job's stream (events it does not know change nothing).</summary>
    public void Fold(object data)
    {
        switch (data)
        {
            case JobQueued e: Apply(e); break;
            case JobPipelineStarted e: Apply(e); break;
            case GitPullStarted e: Apply(e); break;
            case GitPulled e: Apply(e); break;
            case GitPullSkipped e: Apply(e); break;
            case GitPullFailed e: Apply(e); break;
            case WorkspacePrepared e: Apply(e); break;
            case PromptResolved e: Apply(e); break;
            case CodeIndexStarted e: Apply(e); break;
            case CodeIndexServicesStarted e: Apply(e); break;
            case CodeIndexReady e: Apply(e); break;
            case CodeIndexFailed e: Apply(e); break;
            case CodeIndexStopped e: Apply(e); break;
            case AgentStarted e: Apply(e); break;
            case AgentSessionStarted e: Apply(e); break;
            case AgentToolUsed e: Apply(e); break;
            case JobCompleted e: Apply(e); break;
            case JobFailed e: Apply(e); break;
            case JobTimedOut e: Apply(e); break;
            case JobCancellationRequested e: Apply(e); break;
            case JobCancelled e: Apply(e); break;
            case JobDeleted e: Apply(e); break;
            case WorkspaceRemoved e: Apply(e); break;
            case WorkspaceRemovalFailed e: Apply(e); break;
        }
    }

    private void Finish(JobStatus status, DateTimeOffset at, string? error, AgentResult? result, GitStatus? gitStatus = null)
    {
        Status = status;
        CompletedAt = at;
        Error = error;
        GitStatus = gitStatus ?? GitStatus;
        if (result is not null)
        {
            (Output, ExitCode, SessionId, CostUsd, NumTurns, DurationMs) =
                (result.Output, result.ExitCode, result.SessionId ?? SessionId, result.CostUsd, result.NumTurns, result.DurationMs);
        }
    }
}
