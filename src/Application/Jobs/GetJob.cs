using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

public sealed record GetJob(string JobId, string User) : IQuery<Result<JobDetails>>
{
    /// <summary>The view from <see cref="IJobViews"/> (memory, while it has not changed); the queue position is always the store's.</summary>
    public sealed class Handler(IJobViews views, IQueuePosition positions) : IQueryHandler<GetJob, Result<JobDetails>>
    {
        public async ValueTask<Result<JobDetails>> Handle(GetJob query, CancellationToken cancellationToken)
        {
            var found = await views.LoadOwnViewAsync(query.JobId, query.User, cancellationToken);
            return found.IsSuccess
                ? JobDetails.From(found.Value.View, await positions.QueuePositionAsync(found.Value.View, cancellationToken))
                : found.Error;
        }
    }
}
