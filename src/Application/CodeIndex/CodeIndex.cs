using ClaudeBatch.Application.Jobs;

namespace ClaudeBatch.Application.CodeIndex;

/// <summary>Whether a workspace's semantic index can be used, and if not, why.</summary>
public sealed record CodeIndexResult(bool Ready, string? Reason)
{
    public static CodeIndexResult Available { get; } = new(true, null);

    public static CodeIndexResult Unavailable(string reason) => new(false, reason);
}

/// <summary>
/// Semantic code search for a job's workspace (cidx). Every step runs in the workspace as the job's user; failures
/// are results, never exceptions, because a job without an index still runs (with the grep/find prompt).
/// </summary>
public interface ICodeIndex
{
    /// <summary>Makes the index ready: repairs a copied configuration, starts the services, indexes what changed, checks status.</summary>
    Task<CodeIndexResult> PrepareAsync(string workspace, RunAs identity, Func<Task> servicesStarted, CancellationToken cancellationToken);

    /// <summary>Stops the services (only ever after the agent) and removes every container cidx made for this workspace.</summary>
    /// <returns>What could not be stopped or removed, or null.</returns>
    Task<string?> StopAsync(string workspace, RunAs identity, CancellationToken cancellationToken);

    /// <summary>
    /// Indexes a repository's master clone as the server's user (start, index --reconcile, stop), so that jobs' copies
    /// only reconcile what changed. Called under the repository's lock.
    /// </summary>
    Task<CodeIndexResult> IndexMasterAsync(string master, CancellationToken cancellationToken);

    /// <summary>On job deletion: uninstalls the workspace's index and removes its containers.</summary>
    Task UninstallAsync(string workspace, RunAs identity, CancellationToken cancellationToken);
}
