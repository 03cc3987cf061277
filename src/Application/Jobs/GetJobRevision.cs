using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// What <see cref="GetJob"/> would show is made of, without loading the job: its view's version and its place in the
/// queue (which moves while the job does not change). Read before the job, it tags what is read after it: versions
/// only grow, so the same revision later means the same job.
/// </summary>
public sealed record GetJobRevision(string JobId, string User) : IQuery<Result<GetJobRevision.Response>>
{
    public sealed record Response(long Version, int QueuePosition);

    public sealed class Handler(IJobRevisions revisions, IQueuePosition positions) : IQueryHandler<GetJobRevision, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(GetJobRevision query, CancellationToken cancellationToken)
        {
            if (await revisions.OfJobAsync(query.JobId, cancellationToken) is not { Deleted: false } revision || revision.User != query.User)
            {
                return JobErrors.NotFound(query.JobId);
            }

            var position = JobLoading.WaitsForSlot(revision.Status, revision.Taken, revision.Deleted)
                ? await positions.OfAsync(query.JobId, cancellationToken)
                : 0;
            return new Response(revision.Version, position);
        }
    }
}
