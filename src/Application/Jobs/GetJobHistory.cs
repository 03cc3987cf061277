using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>The job as it stood at an instant: its events up to then, replayed through the projection's own rules.</summary>
public sealed record GetJobHistory(string JobId, string User, DateTimeOffset At) : IQuery<Result<JobDetails>>
{
    public sealed class Handler(IEventStore store) : IQueryHandler<GetJobHistory, Result<JobDetails>>
    {
        public async ValueTask<Result<JobDetails>> Handle(GetJobHistory query, CancellationToken cancellationToken)
        {
            var events = await store.ReadStreamAsync(JobStream.For(query.JobId), cancellationToken);
            if (!Job.From(events.Select(e => e.Data)).IsVisibleTo(query.User))
            {
                return JobErrors.NotFound(query.JobId);
            }

            var view = JobView.Replay(events.Where(e => e.Timestamp <= query.At).Select(e => e.Data));
            return view is null
                ? DomainError.NotFound("job-not-yet-created", $"The job did not exist yet at {query.At:O}.")
                : JobDetails.From(view, 0);
        }
    }
}
