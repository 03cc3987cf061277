using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Application.Files;

public static class WorkspaceAccess
{
    /// <summary>The caller's job's workspace root and the checked path inside it, or why not (404 / 400).</summary>
    public static async Task<Result<(string Root, WorkspacePath Path)>> ResolveAsync(
        this IReadModels readModels, string jobId, string user, string? path, CancellationToken cancellationToken)
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

        return view.Value.WorkspaceStrategy is null
            ? DomainError.NotFound("workspace-not-ready", "The job's workspace has not been prepared yet.")
            : (view.Value.CowPath, parsed.Value);
    }
}
