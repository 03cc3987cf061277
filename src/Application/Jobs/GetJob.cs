using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

public sealed record GetJob(string JobId, string User) : IQuery<Result<JobDetails>>
{
    public sealed class Handler(IReadModels readModels, IQueuePosition positions) : IQueryHandler<GetJob, Result<JobDetails>>
    {
        public async ValueTask<Result<JobDetails>> Handle(GetJob query, CancellationToken cancellationToken)
        {
            var view = await readModels.LoadOwnViewAsync(query.JobId, query.User, cancellationToken);
            return view.IsSuccess
                ? JobDetails.From(view.Value, await positions.QueuePositionAsync(view.Value, cancellationToken))
                : view.Error;
        }
    }
}
