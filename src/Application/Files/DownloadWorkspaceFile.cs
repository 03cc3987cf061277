using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Files;

/// <summary>Opens a file of the job's workspace for download; the caller disposes the stream.</summary>
public sealed record DownloadWorkspaceFile(string JobId, string User, string? Path) : IQuery<Result<WorkspaceFile>>
{
    public sealed class Handler(IReadModels readModels, IWorkspaceFiles files) : IQueryHandler<DownloadWorkspaceFile, Result<WorkspaceFile>>
    {
        public async ValueTask<Result<WorkspaceFile>> Handle(DownloadWorkspaceFile query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveAsync(query.JobId, query.User, query.Path, cancellationToken);
            return target.IsSuccess ? files.Open(target.Value.Root, target.Value.Path) : target.Error;
        }
    }
}
