using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// What a job's agent changed in its workspace, against the commit the workspace was copied from: computed by git as the
/// job's user (the repository's configuration is the user's, so never as the server), in the job's containment or one
/// of its own. Untracked files count as added (ignored ones and the uploads under <c>files/</c> do not), binary files
/// are marked, renames are found.
/// </summary>
public interface IWorkspaceChanges
{
    /// <summary>The unified diff, cut at a line boundary once it reaches <paramref name="maxBytes"/> (UTF-8).</summary>
    Task<Result<WorkspaceDiff>> DiffAsync(string workspace, string baseCommit, RunAs identity, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Each changed file with its lines added and deleted.</summary>
    Task<Result<ChangeStat>> StatAsync(string workspace, string baseCommit, RunAs identity, CancellationToken cancellationToken);
}

/// <summary>A unified diff (<c>text/x-diff</c>); <see cref="Truncated"/> when it was cut at <c>Jobs:MaxDiffBytes</c>.</summary>
public sealed record WorkspaceDiff(string Text, bool Truncated);

/// <summary><c>GET /jobs/{id}/diff?format=stat</c>: each changed file, and the totals.</summary>
public sealed record ChangeStat(string BaseCommit, IReadOnlyList<FileChange> Files, int Additions, int Deletions)
{
    public JobChanges Summary => new(Files.Count, Additions, Deletions);
}

/// <summary>
/// One changed file: <see cref="Status"/> is <c>added</c>, <c>modified</c>, <c>deleted</c> or <c>renamed</c> (then
/// <see cref="OldPath"/> says from where); a binary file counts no lines.
/// </summary>
public sealed record FileChange(string Path, string Status, int Additions, int Deletions, bool Binary, string? OldPath = null);

public static class WorkspaceChangeErrors
{
    public static DomainError NotGit(string why) => DomainError.Conflict("workspace-not-git", $"The job's changes cannot be shown: {why}");

    public static DomainError TimedOut(int seconds) =>
        DomainError.Conflict("diff-timed-out", $"Computing the job's changes took longer than {seconds} seconds and was stopped.");

    public static DomainError Failed(string why) => DomainError.Conflict("diff-failed", $"git could not compute the job's changes: {why}");
}

public static class JobChangesAccess
{
    /// <summary>The caller's job's workspace, the commit it was made from and the identity to compute as, or why not.</summary>
    public static async Task<Result<(string Workspace, string BaseCommit, RunAs Identity)>> ResolveChangesAsync(
        this IReadModels readModels, IJobIdentity identities, string jobId, string user, CancellationToken cancellationToken)
    {
        var workspace = await readModels.ResolveWorkspaceAsync(identities, jobId, user, cancellationToken);
        if (!workspace.IsSuccess)
        {
            return workspace.Error;
        }

        var (view, identity) = workspace.Value;
        return view.BaseCommit is { } baseCommit
            ? (view.CowPath, baseCommit, identity)
            : WorkspaceChangeErrors.NotGit(
                $"repository '{view.Repository}' was not a git repository with a commit when the workspace was made, so there is no commit to compare with.");
    }
}
