using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>The audit trail: every stored event of the caller's job, in order, as stored.</summary>
public sealed record GetJobEvents(string JobId, string User) : IQuery<Result<IReadOnlyList<StoredEvent>>>
{
    public sealed class Handler(IEventStore store) : IQueryHandler<GetJobEvents, Result<IReadOnlyList<StoredEvent>>>
    {
        public async ValueTask<Result<IReadOnlyList<StoredEvent>>> Handle(GetJobEvents query, CancellationToken cancellationToken)
        {
            var events = await store.ReadStreamAsync(JobStream.For(query.JobId), cancellationToken);
            var job = Job.From(events.Select(e => e.Data));
            return job.IsVisibleTo(query.User) ? Result<IReadOnlyList<StoredEvent>>.Success(events) : JobErrors.NotFound(query.JobId);
        }
    }
}
