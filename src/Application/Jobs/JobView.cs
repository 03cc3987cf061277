using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Read model of a job, kept by a projection of its stream through <see cref="Next"/>; <c>history?at=</c> aggregates
/// the raw stream through the same projection, so the live view and the replay cannot disagree.
/// </summary>
public sealed class JobView
{
    public string Id { get; set; } = "";

    public string JobId { get; set; } = "";

    public string User { get; set; } = "";

    public string Repository { get; set; } = "";

    /// <summary>The prompt the job was created with; each turn's is in <see cref="Turns"/>.</summary>
    public string Prompt { get; set; } = "";

    /// <summary>The current turn: 1 for the first prompt, n + 1 after each follow-up.</summary>
    public int Turn { get; set; } = 1;

    /// <summary>
    /// Every turn so far, the current one last (its status, session, cost and output are also the view's own fields).
    /// Empty in views stored before turns were kept; <see cref="JobDetails"/> then shows the one turn from the view.
    /// </summary>
    public List<JobTurn> Turns { get; set; } = [];

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

    /// <summary>The commit the workspace was copied from; diffs compare with it.</summary>
    public string? BaseCommit { get; set; }

    /// <summary>What the agent changed, as of its last turn's end.</summary>
    public JobChanges? Changes { get; set; }

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

    /// <summary>The node that ran the job's latest turn (its workspace is on that node's disk).</summary>
    public string? Node { get; set; }

    /// <summary>The node the job was created on (its uploads are staged there); null for jobs created before it was recorded.</summary>
    public string? Home { get; set; }

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
        Home = created.Home,
        Turns = [new JobTurn { Turn = 1, Prompt = created.Prompt, Status = JobStatus.Created }],
    };

    /// <summary>
    /// The view's one rule, used by the inline projection, by <c>history?at=</c> (Marten aggregating the stream up to an
    /// instant through the projection) and by tests: the view after <paramref name="e"/>. The status comes from
    /// <see cref="JobLifecycle"/>, the same rule the <see cref="Job"/> aggregate follows.
    /// </summary>
    public static JobView? Next(JobView? view, object e)
    {
        if (e is JobCreated created)
        {
            return From(created);
        }

        view?.When(e);
        return view;
    }

    /// <summary>Applies one event after the job's creation; answers whether it is a job event the view knows (a test proves every one is).</summary>
    public bool When(object e)
    {
        var before = Status;
        Status = JobLifecycle.Evolve(Status, e);
        var ended = !before.IsFinished() && Status.IsFinished();
        if (e is FollowUpRequested followUp)
        {
            NextTurn(followUp);
        }

        var turn = Turns.Count > 0 ? Turns[^1] : null;
        turn?.Status = Status;
        switch (e)
        {
            case JobQueued queued:
                QueuedAt = queued.At;
                break;
            case JobPipelineStarted started:
                (Node, StartedAt) = (started.Node, started.At);
                turn?.StartedAt = started.At;
                break;
            case JobPipelineLost lost:
                (Node, StartedAt, CowPath, GitStatus, CidxStatus, CidxError, WorkspaceStrategy, BaseCommit, CommitHash, ResolvedPrompt) =
                    (null, null, lost.CowPath, GitStatus.NotChecked, CidxStatus.NotStarted, null, null, null, null, null);
                Home = lost.Home ?? Home;
                turn?.StartedAt = null;
                break;
            case GitPullStarted:
                GitStatus = GitStatus.Checking;
                break;
            case GitPulled pulled:
                (GitStatus, CommitHash) = (GitStatus.Pulled, pulled.CommitHash);
                break;
            case GitPullSkipped skipped:
                GitStatus = skipped.Status;
                break;
            case GitPullFailed failed:
                GitStatus = GitStatus.Failed;
                Finish(ended, failed.At, failed.Reason, null);
                break;
            case WorkspacePrepared prepared:
                (WorkspaceStrategy, BaseCommit) = (prepared.Strategy, prepared.BaseCommit);
                break;
            case ChangesSummarized changes:
                Changes = new JobChanges(changes.Files, changes.Additions, changes.Deletions);
                break;
            case PromptResolved resolved:
                ResolvedPrompt = resolved.Prompt;
                break;
            case CodeIndexStarted:
                CidxStatus = CidxStatus.Starting;
                break;
            case CodeIndexServicesStarted:
                CidxStatus = CidxStatus.Indexing;
                break;
            case CodeIndexReady:
                CidxStatus = CidxStatus.Ready;
                break;
            case CodeIndexFailed failed:
                (CidxStatus, CidxError) = (CidxStatus.Failed, failed.Reason);
                break;
            case CodeIndexStopped:
                CidxStatus = CidxStatus == CidxStatus.Failed ? CidxStatus.Failed : CidxStatus.Stopped;
                break;
            case AgentStarted agent:
                Node = agent.Node;
                break;
            case AgentSessionStarted session:
                SessionId = session.SessionId;
                turn?.SessionId = session.SessionId;
                break;
            case AgentToolUsed:
                ToolUses++;
                break;
            case JobCompleted completed:
                Finish(ended, completed.At, null, completed.Result);
                break;
            case JobFailed failed:
                Finish(ended, failed.At, failed.Reason, failed.Result);
                break;
            case JobTimedOut timedOut:
                Finish(ended, timedOut.At, $"The job exceeded its timeout of {timedOut.TimeoutSeconds} seconds.", timedOut.Result);
                break;
            case JobCancellationRequested:
                CancellationRequested = true;
                break;
            case JobCancelled cancelled:
                Finish(ended, cancelled.At, "The job was cancelled.", cancelled.Result);
                break;
            case JobDeleted:
                (Deleted, RemovalPending) = (true, false);
                break;
            case WorkspaceRemoved removed:
                (WorkspaceRemovedAt, RemovalPending) = (removed.At, false);
                break;
            case WorkspaceRemovalFailed:
                RemovalPending = true;
                break;
            case JobCreated or FollowUpRequested or AgentSaid or AgentToolReturned or FileStaged or StagedFileRemoved:
            case ChangesCommitted or BranchPushed or PushFailed:
                break;
            default:
                return false;
        }

        return true;
    }

    /// <summary>Only the event that ended the job says when and how it ended.</summary>
    private void Finish(bool ended, DateTimeOffset at, string? error, AgentResult? result)
    {
        if (!ended)
        {
            return;
        }

        CompletedAt = at;
        Error = error;
        if (result is not null)
        {
            (Output, ExitCode, SessionId, CostUsd, NumTurns, DurationMs) =
                (result.Output, result.ExitCode, result.SessionId ?? SessionId, result.CostUsd, result.NumTurns, result.DurationMs);
        }

        if (Turns.Count > 0)
        {
            var turn = Turns[^1];
            (turn.CompletedAt, turn.Output, turn.SessionId, turn.CostUsd, turn.NumTurns, turn.Error) =
                (at, result?.Output, result?.SessionId ?? turn.SessionId, result?.CostUsd, result?.NumTurns, error);
        }
    }

    /// <summary>What all turns cost, as far as the agent reported it.</summary>
    public decimal? TotalCostUsd() =>
        Turns.Count == 0 ? CostUsd : Turns.Any(t => t.CostUsd is not null) ? Turns.Sum(t => t.CostUsd ?? 0) : null;

    /// <summary>The turns, or for a view stored before turns were kept, its one turn as the view tells it.</summary>
    public IReadOnlyList<JobTurn> AllTurns() => Turns.Count > 0 ? Turns :
    [
        new JobTurn
        {
            Turn = 1, Prompt = Prompt, Status = Status, SessionId = SessionId, CostUsd = CostUsd, NumTurns = NumTurns,
            StartedAt = StartedAt, CompletedAt = CompletedAt, Output = Output, Error = Error,
        },
    ];

    /// <summary>A follow-up: the view's own fields describe the new turn, which starts queued; the earlier ones stay in <see cref="Turns"/>.</summary>
    private void NextTurn(FollowUpRequested followUp)
    {
        Turn = followUp.Turn;
        Turns.Add(new JobTurn { Turn = followUp.Turn, Prompt = followUp.Prompt, Status = JobStatus.Queued, SessionId = SessionId });
        (QueuedAt, Node, StartedAt, CompletedAt, CancellationRequested) = (followUp.At, null, null, null, false);
        (ResolvedPrompt, Output, ExitCode, Error, CostUsd, NumTurns, DurationMs) = (null, null, null, null, null, null, null);
    }
}

/// <summary>One turn of a job: its prompt and how it went.</summary>
public sealed class JobTurn
{
    public int Turn { get; set; }

    public string Prompt { get; set; } = "";

    public JobStatus Status { get; set; }

    public string? SessionId { get; set; }

    public decimal? CostUsd { get; set; }

    public int? NumTurns { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? Output { get; set; }

    public string? Error { get; set; }
}

/// <summary>How much a job's workspace differs from its base commit: files changed, lines added and deleted.</summary>
public sealed record JobChanges(int Files, int Additions, int Deletions);
