using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Jobs;

/// <summary>Who a job's commit is by.</summary>
public sealed record CommitAuthor(string Name, string Email);

/// <summary>
/// A commit made in a job's workspace, and its new objects as a pack the server holds in a file of its own (never a
/// path inside the workspace). Disposing removes that file.
/// </summary>
public sealed class CommittedChanges(string commit, string packFile) : IDisposable
{
    public string Commit { get; } = commit;

    /// <summary>The server's own file holding the pack of every object the commit adds to its base.</summary>
    public string PackFile { get; } = packFile;

    public void Dispose() => File.Delete(PackFile);
}

/// <summary>
/// Commits a job's workspace as the job's user (the workspace and its git configuration are the user's): every change
/// against the base commit, uploads under <c>files/</c> left out, on top of the base commit, without touching the
/// workspace's own index, objects or branches.
/// </summary>
public interface IWorkspaceCommits
{
    Task<Result<CommittedChanges>> CommitAsync(
        string workspace, string baseCommit, RunAs identity, CommitAuthor author, string message, CancellationToken cancellationToken);
}

/// <summary>
/// Pushes a job's commit from the repository's server-owned master clone to its origin, with the registration's
/// credentials (which never reach the job's user). Call it under the repository's exclusive lock.
/// </summary>
public interface IBranchPublisher
{
    /// <summary>The commit pushed as <paramref name="branch"/>; a 409 when the branch exists and not <paramref name="force"/>, a 502 when origin refused.</summary>
    Task<Result<string>> PushAsync(
        string repository, GitSource source, CommittedChanges changes, string baseCommit, string branch, bool force, CancellationToken cancellationToken);
}

public static class PushErrors
{
    public static DomainError NothingToCommit() =>
        new("nothing-to-commit", "The workspace has no changes against its base commit; there is nothing to commit.", ErrorKind.Unprocessable);

    public static DomainError BranchExists(string branch) =>
        DomainError.Conflict("branch-exists", $"Branch '{branch}' already exists on the repository's origin; pass force=true to replace it.");

    public static DomainError Failed(string why) => new("push-failed", $"The push failed: {why}", ErrorKind.BadGateway);

    public static DomainError CommitFailed(string why) => DomainError.Conflict("commit-failed", $"The workspace's changes could not be committed: {why}");
}
