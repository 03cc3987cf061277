using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Files;

/// <summary>Opens a file of the job's workspace for download; the caller disposes the stream.</summary>
public sealed record DownloadWorkspaceFile(string JobId, string User, string? Path) : IQuery<Result<WorkspaceFile>>
{
    public sealed class Handler(IReadModels readModels, IJobIdentity identities, IWorkspaceFiles files) : IQueryHandler<DownloadWorkspaceFile, Result<WorkspaceFile>>
    {
        public async ValueTask<Result<WorkspaceFile>> Handle(DownloadWorkspaceFile query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveAsync(identities, query.JobId, query.User, query.Path, cancellationToken);
            return target.IsSuccess ? await files.OpenAsync(target.Value.Root, target.Value.Path, target.Value.Reader) : target.Error;
        }
    }
}
