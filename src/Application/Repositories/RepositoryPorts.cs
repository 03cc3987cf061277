using System.Net;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>What a finished clone looks like.</summary>
public sealed record ClonedRepository(string Branch, string CommitHash, string CommitMessage, long SizeBytes, long FileCount, double Milliseconds);

/// <summary>A clone finished in a private folder, not yet visible under the repository's name.</summary>
public sealed record PreparedClone(string Name, string PrivatePath, ClonedRepository Result);

/// <summary>The master clones on disk under <c>Workspace:RepositoriesPath</c>.</summary>
public interface IMasterClones
{
    /// <summary>The folder of the repository named <paramref name="name"/>; always directly inside the repositories folder.</summary>
    string PathFor(string name);

    /// <summary>Whether this node has the repository's master clone (each node has its own, <see cref="EnsureMasterClone"/>).</summary>
    bool Exists(string name);

    /// <summary>Which registration this node's master was cloned for (<see cref="MarkAsync"/>); null when not recorded.</summary>
    string? RegistrationOf(string name);

    /// <summary>Records which registration the master just published was cloned for.</summary>
    Task MarkAsync(string name, string registration, CancellationToken cancellationToken);

    /// <summary>
    /// Clones into a private folder beside the final one. On failure or cancellation nothing is left behind, and the
    /// error never contains the credentials.
    /// </summary>
    Task<Result<PreparedClone>> CloneAsync(string name, GitSource source, CancellationToken cancellationToken);

    /// <summary>
    /// The commit checked out in the repository's master clone (read under its lock, so it is the commit a copy made now
    /// holds); null when the folder is not a git repository or has no commit yet.
    /// </summary>
    string? HeadCommit(string name);

    /// <summary>Moves a prepared clone into place (atomically: same filesystem).</summary>
    Task PublishAsync(PreparedClone clone, CancellationToken cancellationToken);

    Task DiscardAsync(PreparedClone clone, CancellationToken cancellationToken);

    /// <summary>Stops a clone of <paramref name="name"/> running in this process, if any.</summary>
    void CancelClone(string name);

    /// <summary>Removes the repository's folder and any clone of it left half-done by a crash.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken);
}

public enum PullStatus
{
    Pulled,
    NotGitRepo,
    Failed,
}

/// <summary>What a pull came to: the commit now checked out and whether it moved, why it failed, or not a git repository.</summary>
public sealed record PullOutcome(PullStatus Status, string? CommitHash, bool Changed, string? Reason);

/// <summary>Git operations on a master clone (always under the repository's exclusive lock).</summary>
public interface IGitClient
{
    /// <summary>Fetches and fast-forwards the checked-out branch; never merges or rewrites.</summary>
    Task<PullOutcome> FastForwardAsync(string repositoryPath, GitSource source, CancellationToken cancellationToken);
}

/// <summary>Encrypts secrets (clone credentials) so they can be stored without being stored in clear.</summary>
public interface ISecretProtector
{
    string Protect(string secret);

    /// <summary>Null when the secret cannot be decrypted (tampered, or the server key changed).</summary>
    string? Unprotect(string protectedSecret);
}

/// <summary>
/// A readers-writer lock per repository's master clone that holds across server processes. Whatever changes the master
/// (a clone published, a pull and the indexing after it, removal) holds it exclusively; whatever reads the master as a
/// whole (a job's workspace copy) holds it shared, so it never sees a master half-changed.
/// </summary>
public interface IRepositoryLock
{
    /// <summary>Waits until nobody else holds the lock, then holds it alone until disposed.</summary>
    Task<IAsyncDisposable> AcquireExclusiveAsync(string repositoryName, CancellationToken cancellationToken);

    /// <summary>Waits until nobody holds the lock exclusively, then holds it beside other shared holders until disposed.</summary>
    Task<IAsyncDisposable> AcquireSharedAsync(string repositoryName, CancellationToken cancellationToken);
}

/// <summary>Resolves host names to addresses (DNS is I/O).</summary>
public interface IHostResolver
{
    /// <summary>The addresses of <paramref name="host"/> (an IP literal is its own address); empty when it does not resolve.</summary>
    Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);
}
