using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Application.Jobs;

/// <summary>Who a job's commit is by.</summary>
public sealed record CommitAuthor(string Name, string Email);

/// <summary>
/// Commits a job's workspace as the job's user (the workspace and its git configuration are the user's): every change
/// against the base commit, uploads under <c>files/</c> left out, on top of the base commit, without touching the
/// workspace's own index, objects or branches. The commit's new objects are held by the server, outside the workspace.
/// </summary>
public interface IWorkspaceCommits
{
    Task<Result<ICommitObjects>> CommitAsync(
        string workspace, string baseCommit, RunAs identity, CommitAuthor author, string message, CancellationToken cancellationToken);
}
