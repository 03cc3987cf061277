using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Files;

/// <summary>Entries of the job's workspace under a path, <see cref="Depth"/> levels deep; links that leave the tree are not followed.</summary>
public sealed record ListWorkspaceFiles(string JobId, string User, string? Path, int Depth) : IQuery<Result<IReadOnlyList<WorkspaceEntry>>>
{
    public const int MaxDepth = 10;

    public sealed class Validator : AbstractValidator<ListWorkspaceFiles>
    {
        public Validator() => RuleFor(x => x.Depth).InclusiveBetween(1, MaxDepth);
    }

    public sealed class Handler(IReadModels readModels, IWorkspaceFiles files) : IQueryHandler<ListWorkspaceFiles, Result<IReadOnlyList<WorkspaceEntry>>>
    {
        public async ValueTask<Result<IReadOnlyList<WorkspaceEntry>>> Handle(ListWorkspaceFiles query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveAsync(query.JobId, query.User, query.Path, cancellationToken);
            return target.IsSuccess ? files.List(target.Value.Root, target.Value.Path, query.Depth) : target.Error;
        }
    }
}
