using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Revisions off the job views' columns, the JSON left unread but for two fields: a view's <c>mt_version</c> is its
/// stream's version, and a user's revision is the sum of their views' versions, deleted ones included (views are never
/// removed), so every event appended to any of their jobs raises it. While the job view cache is current a job's
/// revision is taken from its cached view instead (read whole on a miss, so that <see cref="GetJob"/> finds it there).
/// </summary>
internal sealed class MartenJobRevisions(IQuerySession session, MartenJobViews views) : IJobRevisions
{
    private const string Views = MartenQueuePosition.Views;

    public async Task<JobRevision?> OfJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (views.Caches)
        {
            return await views.LoadAsync(jobId, cancellationToken) is { } stored
                ? new JobRevision(stored.View.User, stored.View.Deleted, stored.View.Status, stored.View.Node is not null, stored.Version)
                : null;
        }

        var rows = await session.QueryAsync<JobRevision>(
            $"""
            select jsonb_build_object('user', "user", 'deleted', coalesce(deleted, false), 'status', data -> 'status',
                                      'taken', data ->> 'node' is not null, 'version', mt_version)
            from {Views} where id = ?
            """,
            cancellationToken, JobStream.For(jobId));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<long> OfUserAsync(string user, CancellationToken cancellationToken) =>
        (await session.QueryAsync<long>(
            $"select coalesce(sum(mt_version), 0)::bigint from {Views} where \"user\" = ?", cancellationToken, user))[0];
}
