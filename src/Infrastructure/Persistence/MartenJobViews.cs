using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Job views with their versions: from <see cref="JobViewCache"/> when it holds the view and is current, otherwise in one
/// query that returns the stored JSON and <c>mt_version</c> (the stream's version) together; what is read is offered to
/// the cache, which keeps it only if no change to the job was heard while it was read.
/// </summary>
internal sealed class MartenJobViews(IQuerySession session, JobViewCache cache) : IJobViews
{
    private const string Views = MartenQueuePosition.Views;

    public async Task<VersionedJobView?> LoadAsync(string jobId, CancellationToken cancellationToken)
    {
        var id = JobStream.For(jobId);
        if (cache.TryGet(id, out var cached))
        {
            return cached;
        }

        var ticket = cache.Reserve(id);
        var rows = await session.QueryAsync<VersionedJobView>(
            $"select jsonb_build_object('version', mt_version, 'view', data) from {Views} where id = ?", cancellationToken, id);
        var stored = rows.Count == 0 ? null : rows[0];
        if (ticket is not null)
        {
            cache.Offer(ticket, stored);
        }

        return stored;
    }

    /// <summary>Whether a read now would be kept in memory, so that reading the whole view is worth it.</summary>
    public bool Caches => cache.IsCurrent;
}
