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

    /// <summary>
    /// Clones into a private folder beside the final one. On failure or cancellation nothing is left behind, and the
    /// error never contains the credentials.
    /// </summary>
    Task<Result<PreparedClone>> CloneAsync(string name, GitSource source, CancellationToken cancellationToken);

    /// <summary>Moves a prepared clone into place (atomically: same filesystem).</summary>
    Task PublishAsync(PreparedClone clone, CancellationToken cancellationToken);

    Task DiscardAsync(PreparedClone clone, CancellationToken cancellationToken);

    /// <summary>Stops a clone of <paramref name="name"/> running in this process, if any.</summary>
    void CancelClone(string name);

    /// <summary>Removes the repository's folder and any clone of it left half-done by a crash.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Encrypts secrets (clone credentials) so they can be stored without being stored in clear.</summary>
public interface ISecretProtector
{
    string Protect(string secret);

    /// <summary>Null when the secret cannot be decrypted (tampered, or the server key changed).</summary>
    string? Unprotect(string protectedSecret);
}

/// <summary>A lock per repository that holds across server processes: git pulls, indexing and removal take it.</summary>
public interface IRepositoryLock
{
    Task<IAsyncDisposable> AcquireAsync(string repositoryName, CancellationToken cancellationToken);
}

/// <summary>Resolves host names to addresses (DNS is I/O).</summary>
public interface IHostResolver
{
    /// <summary>The addresses of <paramref name="host"/> (an IP literal is its own address); empty when it does not resolve.</summary>
    Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);
}
