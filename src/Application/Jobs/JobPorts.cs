using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

public sealed record WorkspaceCopy(string Strategy, long FileCount, long Bytes, double Milliseconds);

/// <summary>
/// What removing a job's files came to: <see cref="Removed"/>, nothing there, or not finished (<see cref="Failure"/>
/// says why; what is left stays on disk until it is tried again).
/// </summary>
public sealed record FolderRemoval(bool Removed, string? Failure)
{
    public static readonly FolderRemoval Done = new(true, null);

    public static readonly FolderRemoval NothingThere = new(false, null);

    public static FolderRemoval Failed(string reason) => new(false, reason);
}

/// <summary>Makes a job's workspace from a master clone: a private copy, never sharing a writable file with it.</summary>
public interface IWorkspaceCloner
{
    Task<WorkspaceCopy> CloneAsync(string masterPath, string workspacePath, CancellationToken cancellationToken);

    /// <summary>
    /// Removes the job's folder and everything in it, never following a link its user planted. The job's processes must
    /// be dead first: one still writing can keep the removal from finishing.
    /// </summary>
    Task<FolderRemoval> RemoveJobFolderAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Removes only the workspace (as it was made), keeping the job's logs, never following a link.</summary>
    Task<FolderRemoval> RemoveWorkspaceAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>The strategy new workspaces will use here (detected once, and again after a strategy fails).</summary>
    Task<string> DetectStrategyAsync(CancellationToken cancellationToken);

    /// <summary>Free bytes on the filesystem that holds <paramref name="path"/> (or its nearest existing parent).</summary>
    long AvailableBytes(string path);
}

/// <summary>What to run and where.</summary>
public sealed record AgentRequest(
    string JobId, string Prompt, string SystemPrompt, string WorkingDirectory, string? Model, int? MaxTurns, string LogPath, string ErrorLogPath,
    RunAs Identity, string JobFolder)
{
    /// <summary>A follow-up turn: the agent's session to resume (same workspace, user and config folder as before).</summary>
    public string? ResumeSessionId { get; init; }
}

/// <summary>Live facts from a running agent, reported as they happen.</summary>
public interface IAgentObserver
{
    Task StartedAsync(int processId, long processStartTicks);

    Task SessionStartedAsync(string sessionId, string? model);

    Task ToolUsedAsync(string tool, string summary);

    Task SaidAsync(string text);

    Task ToolReturnedAsync(bool isError, string summary);
}

/// <summary>Runs the coding agent; on cancellation its whole process tree is killed before this returns.</summary>
public interface IAgentRunner
{
    Task<AgentRun> RunAsync(AgentRequest request, IAgentObserver observer, CancellationToken cancellationToken);

    /// <summary>Why no job can run the agent as the server is set up (and how to fix it), or null when jobs can.</summary>
    string? Refusal { get; }

    /// <summary>Kills a process (and its group) left by a crashed server, if it is still the same process.</summary>
    void KillLeftover(int processId, long processStartTicks);
}

/// <summary>How a job's processes are held together: <see cref="Cgroup"/> or, where the host allows no cgroup, <see cref="Session"/>.</summary>
public static class ContainmentMode
{
    /// <summary>One cgroup per job: everything the job starts is killed with it, daemons that left the agent's session included.</summary>
    public const string Cgroup = "cgroup";

    /// <summary>The agent's session and process group only: a process that calls <c>setsid</c> escapes.</summary>
    public const string Session = "session";
}

/// <summary>Keeps every process a job starts together, so that none outlives the job.</summary>
public interface IJobContainment
{
    /// <summary><see cref="ContainmentMode.Cgroup"/> or <see cref="ContainmentMode.Session"/>, decided once at start.</summary>
    string Mode { get; }

    /// <summary>Prepares the job's containment, with its limits, before the job's first process starts.</summary>
    Task OpenAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Kills every process the job still has and removes its containment; harmless if there is none.</summary>
    Task CloseAsync(string jobId, CancellationToken cancellationToken);
}

/// <summary>The system prompt given to the agent, chosen by whether semantic search is ready.</summary>
public interface ISystemPrompts
{
    Task<string> ForAsync(PromptContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Cancellation of running pipelines: a request on this server stops its pipeline at once; one made on another
/// server is noticed by polling the job's state.
/// </summary>
public interface IJobCancellation
{
    /// <summary>A token cancelled when the job is cancelled or deleted; dispose the registration when the pipeline ends.</summary>
    IJobWatch Watch(string jobId);

    /// <summary>Signals a pipeline of this server; false if none runs the job here.</summary>
    bool Signal(string jobId);
}

public interface IJobWatch : IDisposable
{
    CancellationToken Cancelled { get; }
}

/// <summary>Where a job's files live: <c>Workspace:JobsPath/&lt;jobId&gt;/…</c>, the workspace and, beside it, the logs.</summary>
public sealed class JobPaths(Workspaces.WorkspaceOptions options)
{
    public string Folder(string jobId) => Path.Combine(options.JobsPath, jobId);

    public string Workspace(string jobId) => Path.Combine(Folder(jobId), "workspace");

    public string Staging(string jobId) => Path.Combine(Folder(jobId), "staging");

    public string AgentLog(string jobId) => Path.Combine(Folder(jobId), "agent.jsonl");

    public string AgentErrorLog(string jobId) => Path.Combine(Folder(jobId), "agent.stderr.log");
}

/// <summary>
/// How many of a user's jobs there are (deleted ones not counted), optionally of one status: kept as the jobs change,
/// so the answer does not cost a pass over the user's whole history.
/// </summary>
public interface IJobCounts
{
    /// <summary>How many jobs of every user have this status.</summary>
    Task<int> CountAllAsync(JobStatus status, CancellationToken cancellationToken);

    Task<int> CountAsync(string user, JobStatus? status, CancellationToken cancellationToken);
}
