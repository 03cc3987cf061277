using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary><c>GET /jobs/{id}/diff</c>: the unified diff of the workspace against its base commit, up to <c>Jobs:MaxDiffBytes</c>.</summary>
public sealed record GetJobDiff(string JobId, string User) : IQuery<Result<WorkspaceDiff>>
{
    public sealed class Handler(IReadModels readModels, IJobIdentity identities, IWorkspaceChanges changes, JobsOptions options)
        : IQueryHandler<GetJobDiff, Result<WorkspaceDiff>>
    {
        public async ValueTask<Result<WorkspaceDiff>> Handle(GetJobDiff query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveChangesAsync(identities, query.JobId, query.User, cancellationToken);
            return target.IsSuccess
                ? await changes.DiffAsync(target.Value.Workspace, target.Value.BaseCommit, target.Value.Identity, options.MaxDiffBytes, cancellationToken)
                : target.Error;
        }
    }
}
