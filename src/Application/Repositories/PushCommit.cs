using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// A commit made outside the master clone (a job's, by its user), with its new objects held by the server, never in a
/// folder of the user's. Disposing lets the objects go.
/// </summary>
public interface ICommitObjects : IDisposable
{
    string Commit { get; }
}

/// <summary>
/// Pushes a commit from a repository's server-owned master clone to its origin, with the registration's credentials
/// (which never leave this module): call it under the repository's exclusive lock.
/// </summary>
public interface IBranchPublisher
{
    /// <summary>The commit pushed as <paramref name="branch"/>; a 409 when the branch exists and not <paramref name="force"/>, a 409 push-failed when origin refused (the kind of failure only).</summary>
    Task<Result<string>> PushAsync(
        string repository, GitSource source, ICommitObjects objects, string baseCommit, string branch, bool force, CancellationToken cancellationToken);
}

/// <summary>
/// Takes a commit on <see cref="BaseCommit"/> into the repository's master clone and pushes it to origin as
/// <see cref="Branch"/>, under the repository's exclusive lock. Answers the commit pushed, or why not.
/// </summary>
public sealed record PushCommit(string Repository, ICommitObjects Objects, string BaseCommit, string Branch, bool Force) : ICommand<Result<string>>
{
    public sealed class Handler(IEventStoreFactory stores, IRepositoryLock locks, IBranchPublisher publisher, ISecretProtector secrets)
        : ICommandHandler<PushCommit, Result<string>>
    {
        public async ValueTask<Result<string>> Handle(PushCommit command, CancellationToken cancellationToken)
        {
            await using var store = stores.Open();
            await using (await locks.AcquireExclusiveAsync(command.Repository, cancellationToken))
            {
                var repository = await store.LoadRepositoryAsync(command.Repository, cancellationToken);
                return repository.IsRegistered
                    ? await publisher.PushAsync(
                        command.Repository, secrets.SourceOf(repository), command.Objects, command.BaseCommit, command.Branch, command.Force, cancellationToken)
                    : PushErrors.Failed($"repository '{command.Repository}' is no longer registered.");
            }
        }
    }
}

public static class PushErrors
{
    public static DomainError NothingToCommit() =>
        new("nothing-to-commit", "The workspace has no changes against its base commit; there is nothing to commit.", ErrorKind.Unprocessable);

    public static DomainError BranchExists(string branch) =>
        DomainError.Conflict("branch-exists", $"Branch '{branch}' already exists on the repository's origin; pass force=true to replace it.");

    public static DomainError Failed(string why) => DomainError.Conflict("push-failed", $"The push failed: {why}");

    public static DomainError CommitFailed(string why) => DomainError.Conflict("commit-failed", $"The workspace's changes could not be committed: {why}");
}
