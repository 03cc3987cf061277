using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Files;

/// <summary>Entries of the job's workspace under a path, <see cref="Depth"/> levels deep; links that leave the tree are not followed; at most 10,000 entries.</summary>
public sealed record ListWorkspaceFiles(string JobId, string User, string? Path, int Depth) : IQuery<Result<WorkspaceListing>>
{
    public const int MaxDepth = 10;

    public sealed class Validator : AbstractValidator<ListWorkspaceFiles>
    {
        public Validator() => RuleFor(x => x.Depth).InclusiveBetween(1, MaxDepth);
    }

    public sealed class Handler(IReadModels readModels, IJobIdentity identities, IWorkspaceFiles files) : IQueryHandler<ListWorkspaceFiles, Result<WorkspaceListing>>
    {
        public async ValueTask<Result<WorkspaceListing>> Handle(ListWorkspaceFiles query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveAsync(identities, query.JobId, query.User, query.Path, cancellationToken);
            return target.IsSuccess ? await files.ListAsync(target.Value.Root, target.Value.Path, query.Depth, target.Value.Reader) : target.Error;
        }
    }
}
