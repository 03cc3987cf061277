using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary><c>GET /jobs/{id}/diff?format=stat</c>: each file the agent changed, with lines added and deleted.</summary>
public sealed record GetJobChangeStat(string JobId, string User) : IQuery<Result<ChangeStat>>
{
    public sealed class Handler(IReadModels readModels, IJobIdentity identities, IWorkspaceChanges changes)
        : IQueryHandler<GetJobChangeStat, Result<ChangeStat>>
    {
        public async ValueTask<Result<ChangeStat>> Handle(GetJobChangeStat query, CancellationToken cancellationToken)
        {
            var target = await readModels.ResolveChangesAsync(identities, query.JobId, query.User, cancellationToken);
            return target.IsSuccess
                ? await changes.StatAsync(target.Value.Workspace, target.Value.BaseCommit, target.Value.Identity, cancellationToken)
                : target.Error;
        }
    }
}
