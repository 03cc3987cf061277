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
        var view = await readModels.LoadOwnViewAsync(jobId, user, cancellationToken);
        if (!view.IsSuccess)
        {
            return view.Error;
        }

        var parsed = WorkspacePath.Parse(path);
        if (!parsed.IsSuccess)
        {
            return parsed.Error;
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
        var reader = await identities.ResolveAsync(view.Value.User, cancellationToken);
        return reader.Identity is { } identity
            ? (view.Value.CowPath, parsed.Value, identity)
            : new DomainError("no-reader", reader.Refusal ?? $"User '{view.Value.User}' cannot read the workspace.", ErrorKind.Forbidden);
    }
}
