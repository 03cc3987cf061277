using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Jobs;

public enum PullStatus
{
    Pulled,
    NotGitRepo,
    Failed,
}

public sealed record PullOutcome(PullStatus Status, string? CommitHash, bool Changed, string? Reason);

/// <summary>Git operations on a master clone.</summary>
public interface IGitClient
{
    /// <summary>Fetches and fast-forwards the checked-out branch; never merges or rewrites.</summary>
    Task<PullOutcome> FastForwardAsync(string repositoryPath, GitSource source, CancellationToken cancellationToken);
}

public sealed record WorkspaceCopy(string Strategy, long FileCount, long Bytes, double Milliseconds);

/// <summary>Makes a job's workspace from a master clone: a private copy, never sharing a writable file with it.</summary>
public interface IWorkspaceCloner
{
    Task<WorkspaceCopy> CloneAsync(string masterPath, string workspacePath, CancellationToken cancellationToken);

    /// <summary>Removes everything the job left under its folder; true if something was removed.</summary>
    Task<bool> RemoveJobFolderAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Removes only the workspace (as it was made), keeping the job's logs; true if it existed.</summary>
    Task<bool> RemoveWorkspaceAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>The strategy new workspaces will use here (detected once, and again after a strategy fails).</summary>
    Task<string> DetectStrategyAsync(CancellationToken cancellationToken);

    /// <summary>Free bytes on the filesystem that holds <paramref name="path"/> (or its nearest existing parent).</summary>
    long AvailableBytes(string path);
}

/// <summary>What to run and where.</summary>
public sealed record AgentRequest(
    string JobId, string Prompt, string SystemPrompt, string WorkingDirectory, string? Model, int? MaxTurns, string LogPath, string ErrorLogPath,
    RunAs Identity, string JobFolder);

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

    /// <summary>Kills a process (and its group) left by a crashed server, if it is still the same process.</summary>
    void KillLeftover(int processId, long processStartTicks);
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
