namespace ClaudeBatch.Domain.Jobs;

/// <summary>What the user asked for; fixed when the job is created.</summary>
public sealed record JobOptions(int TimeoutSeconds, bool GitAware, bool CidxAware, string? Model, int? MaxTurns);

/// <summary>
/// A job was created. <see cref="Home"/> is the node that took the request: its uploads are staged on that node's disk,
/// and it runs there, so its workspace is there too. Null in jobs created before nodes were recorded (and then the
/// job's files are on whichever node reads it).
/// </summary>
public sealed record JobCreated(
    string JobId, string User, string Repository, string Prompt, IReadOnlyList<string> Images, JobOptions Options, string CowPath, DateTimeOffset At,
    string? Home = null, int? Uid = null);

public sealed record JobQueued(string JobId, DateTimeOffset At);

/// <summary>A server took the job off the queue. <see cref="Node"/> says which, so a restarted server knows its own.</summary>
public sealed record JobPipelineStarted(string JobId, string Node, DateTimeOffset At);

/// <summary>
/// The node that had the job (<see cref="LostNode"/>) died before it started the agent — having taken the job, or with
/// the job still waiting in its queue: the job is queued again, to run from the start on the node that found it,
/// <see cref="Home"/> (in a workspace of that node's, <see cref="CowPath"/>). Home is null in events recorded before
/// it was (the job's home then stays where it was).
/// </summary>
public sealed record JobPipelineLost(string JobId, string LostNode, string CowPath, DateTimeOffset At, string? Home = null);

public sealed record GitPullStarted(string JobId, DateTimeOffset At);

public sealed record GitPulled(string JobId, string CommitHash, bool Changed, DateTimeOffset At);

public sealed record GitPullFailed(string JobId, string Reason, DateTimeOffset At);

public sealed record GitPullSkipped(string JobId, GitStatus Status, string Reason, DateTimeOffset At);

/// <summary>
/// The job's workspace was made: a copy of the master clone, whose HEAD was then <see cref="BaseCommit"/> (null when the
/// repository is not a git repository; absent from workspaces made before it was recorded). Diffs compare with it.
/// </summary>
public sealed record WorkspacePrepared(
    string JobId, string Path, string Strategy, long FileCount, long Bytes, double Milliseconds, DateTimeOffset At, string? BaseCommit = null);

public sealed record AgentStarted(string JobId, int ProcessId, long ProcessStartTicks, string Node, DateTimeOffset At);

public sealed record AgentSessionStarted(string JobId, string SessionId, string? Model, DateTimeOffset At);

public sealed record AgentToolUsed(string JobId, string Tool, string Summary, DateTimeOffset At);

/// <summary>Semantic indexing of the workspace began (<c>cidxAware</c>).</summary>
public sealed record CodeIndexStarted(string JobId, DateTimeOffset At);

/// <summary>The index's services are up; the workspace is being indexed.</summary>
public sealed record CodeIndexServicesStarted(string JobId, DateTimeOffset At);

/// <summary>The workspace's semantic index is ready: the agent gets the cidx prompt.</summary>
public sealed record CodeIndexReady(string JobId, double Milliseconds, DateTimeOffset At);

/// <summary>Indexing failed or cidx is not available: the agent gets the grep/find prompt; the job goes on.</summary>
public sealed record CodeIndexFailed(string JobId, string Reason, DateTimeOffset At);

/// <summary>After the agent: the index's services were stopped and its containers removed (<see cref="Problem"/> if not all).</summary>
public sealed record CodeIndexStopped(string JobId, string? Problem, DateTimeOffset At);

/// <summary>Text the agent wrote while working (long texts are cut; the full output is the job's log and result).</summary>
public sealed record AgentSaid(string JobId, string Text, DateTimeOffset At)
{
    public const int MaxLength = 16 * 1024;
}

/// <summary>What a tool gave back to the agent, in short.</summary>
public sealed record AgentToolReturned(string JobId, bool IsError, string Summary, DateTimeOffset At);

/// <summary>What the agent's final result line said.</summary>
public sealed record AgentResult(string Output, string? SessionId, decimal? CostUsd, int? NumTurns, long? DurationMs, int ExitCode);

/// <summary>
/// When the agent's turn ended: how much of the workspace differs from its <see cref="WorkspacePrepared.BaseCommit"/>
/// (files changed, lines added and deleted; uploads under <c>files/</c> not counted), so views and lists show it without
/// computing a diff.
/// </summary>
public sealed record ChangesSummarized(string JobId, int Files, int Additions, int Deletions, DateTimeOffset At);

public sealed record JobCompleted(string JobId, AgentResult Result, DateTimeOffset At);

public sealed record JobFailed(string JobId, string Reason, AgentResult? Result, DateTimeOffset At);

public sealed record JobTimedOut(string JobId, int TimeoutSeconds, AgentResult? Result, DateTimeOffset At);

public sealed record JobCancellationRequested(string JobId, string By, DateTimeOffset At);

public sealed record JobCancelled(string JobId, AgentResult? Result, DateTimeOffset At);

/// <summary>
/// The user answered a finished job: turn <see cref="Turn"/> (2 and on) is queued, to resume the agent's session with
/// <see cref="Prompt"/> in the same workspace, as the same user.
/// </summary>
public sealed record FollowUpRequested(string JobId, int Turn, string Prompt, string By, DateTimeOffset At);

public sealed record JobDeleted(string JobId, string By, bool Terminated, bool WorkspaceRemoved, DateTimeOffset At);

public static class JobStream
{
    public static string For(string jobId) => $"job:{jobId}";
}

public sealed record FileStaged(
    string JobId, string FileName, string StoredName, string ContentType, long Size, string Sha256, bool Overwritten, DateTimeOffset At);

public sealed record StagedFileRemoved(string JobId, string FileName, string StoredName, DateTimeOffset At);

/// <summary>The prompt as sent to the agent, placeholders replaced.</summary>
public sealed record PromptResolved(string JobId, string Prompt, DateTimeOffset At);

/// <summary>The job's workspace was removed (retention) while the job itself stays in history.</summary>
public sealed record WorkspaceRemoved(string JobId, string Reason, DateTimeOffset At);

/// <summary>
/// Removing the job's files could not finish (a file that may not be removed, a user process still writing, a tree
/// too deep): what is left stays on disk and the retention sweep tries again. For a deleted job that is its whole
/// folder, else its workspace.
/// </summary>
public sealed record WorkspaceRemovalFailed(string JobId, string Reason, DateTimeOffset At);
