using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The caller's revision of their jobs (<see cref="IJobRevisions.OfUserAsync"/>): any change to any page of
/// <see cref="ListJobs"/>, or to its total, raises it, and it never goes back.
/// </summary>
public sealed record GetJobListRevision(string User) : IQuery<long>
{
    public sealed class Handler(IJobRevisions revisions) : IQueryHandler<GetJobListRevision, long>
    {
        public async ValueTask<long> Handle(GetJobListRevision query, CancellationToken cancellationToken) =>
            await revisions.OfUserAsync(query.User, cancellationToken);
    }
}
