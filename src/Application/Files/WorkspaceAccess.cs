using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Application.Files;

public static class WorkspaceAccess
{
    /// <summary>
    /// The caller's job's workspace root, the checked path inside it and the identity to read it as (the job's user),
    /// or why not (404 / 400 / 410).
    /// </summary>
    public static async Task<Result<(string Root, WorkspacePath Path, RunAs Reader)>> ResolveAsync(
        this IReadModels readModels, IJobIdentity identities, string jobId, string user, string? path, CancellationToken cancellationToken)
    {
        var parsed = WorkspacePath.Parse(path);
        if (!parsed.IsSuccess)
        {
            // Another user's job is a 404 whatever the path; the caller's own gets the path's 400.
            var own = await readModels.LoadOwnViewAsync(jobId, user, cancellationToken);
            return own.IsSuccess ? parsed.Error : own.Error;
        }

        var workspace = await readModels.ResolveWorkspaceAsync(identities, jobId, user, cancellationToken);
        return workspace.IsSuccess ? (workspace.Value.View.CowPath, parsed.Value, workspace.Value.Reader) : workspace.Error;
    }

    /// <summary>
    /// The caller's job, once its workspace exists and is still there, with the identity to work in it as (the job's
    /// user): 404 for another user's job or before the workspace is made, 410 once it was removed, 403 without an account.
    /// </summary>
    public static async Task<Result<(JobView View, RunAs Reader)>> ResolveWorkspaceAsync(
        this IReadModels readModels, IJobIdentity identities, string jobId, string user, CancellationToken cancellationToken)
    {
        var view = await readModels.LoadOwnViewAsync(jobId, user, cancellationToken);
        if (!view.IsSuccess)
        {
            return view.Error;
        }

        if (view.Value.WorkspaceRemovedAt is { } removed)
        {
            return new DomainError("workspace-removed", $"The job's workspace was removed on {removed:u} (Jobs:RetentionDays).", ErrorKind.Gone);
        }

        if (view.Value.WorkspaceStrategy is null)
        {
            return DomainError.NotFound("workspace-not-ready", "The job's workspace has not been prepared yet.");
        }

        // Never with more rights than the job's user: no account, no reading.
        var reader = await identities.ResolveAsync(view.Value.User, uid: null, cancellationToken);
        return reader.Identity is { } identity
            ? (view.Value, identity)
            : new DomainError("no-reader", reader.Refusal ?? $"User '{view.Value.User}' cannot read the workspace.", ErrorKind.Forbidden);
    }
}
