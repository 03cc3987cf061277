using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Files;

/// <summary>The text of a workspace file, up to <c>Uploads:MaxTextBytes</c>; binary content is refused (415).</summary>
public sealed record ReadWorkspaceFile(string JobId, string User, string? Path) : IQuery<Result<TextContent>>
{
    public sealed class Handler(IReadModels readModels, IJobIdentity identities, IWorkspaceFiles files, UploadsOptions options) : IQueryHandler<ReadWorkspaceFile, Result<TextContent>>
    {
        public async ValueTask<Result<TextContent>> Handle(ReadWorkspaceFile query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveAsync(identities, query.JobId, query.User, query.Path, cancellationToken);
            return target.IsSuccess
                ? await files.ReadTextAsync(target.Value.Root, target.Value.Path, options.MaxTextBytes, target.Value.Reader)
                : target.Error;
        }
    }
}
