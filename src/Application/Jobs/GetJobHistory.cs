using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>The job as it stood at an instant: its events up to then, aggregated through the projection's own rule.</summary>
public sealed record GetJobHistory(string JobId, string User, DateTimeOffset At) : IQuery<Result<JobDetails>>
{
    public sealed class Handler(IEventStore store, IReadModels readModels) : IQueryHandler<GetJobHistory, Result<JobDetails>>
    {
        public async ValueTask<Result<JobDetails>> Handle(GetJobHistory query, CancellationToken cancellationToken)
        {
            var current = await readModels.LoadOwnViewAsync(query.JobId, query.User, cancellationToken);
            if (!current.IsSuccess)
            {
                return current.Error;
            }

            var view = await store.AggregateAtAsync<JobView>(JobStream.For(query.JobId), query.At.ToUniversalTime(), cancellationToken);
            return view is null
                ? DomainError.NotFound("job-not-yet-created", $"The job did not exist yet at {query.At:O}.")
                : JobDetails.From(view, 0);
        }
    }
}
