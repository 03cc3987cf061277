using System.Data;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Revisions off the job views' columns, the JSON left unread but for two fields: a view's <c>mt_version</c> is its
/// stream's version, and a user's revision is the sum of their views' versions, deleted ones included (views are never
/// removed), so every event appended to any of their jobs raises it; their queued count is the kept one
/// (<see cref="JobCountsSchemaObject"/>). While the job view cache is current a job's
/// revision is taken from its cached view instead (read whole on a miss, so that <see cref="GetJob"/> finds it there).
/// </summary>
internal sealed class MartenJobRevisions(IQuerySession session, MartenJobViews views, NpgsqlDataSource dataSource) : IJobRevisions
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

    /// <summary>
    /// One statement on a plain connection: <c>GET /jobs</c> asks it before every page (issue #20: as two queries
    /// through the session, a page of 500 cost 3.42 ms of server CPU against 2.87 ms this way, bench/listing.sh).
    /// </summary>
    public async Task<UserJobsRevision> OfUserAsync(string user, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(UserRevision);
        command.Parameters.Add(new() { Value = user, NpgsqlDbType = NpgsqlDbType.Varchar });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new UserJobsRevision(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt32(2));
    }

    private static readonly string UserRevision = $"select {RevisionOf("$1")}, {CountedOf("$1")}, {QueuedOf("$1")}";

    /// <summary>The user's revision (bigint), for the user in parameter <paramref name="user"/>.</summary>
    public static string RevisionOf(string user) => $"""(select coalesce(sum(mt_version), 0)::bigint from {Views} where "user" = {user})""";

    /// <summary>How many of the user's jobs the kept counts hold (bigint).</summary>
    public static string CountedOf(string user) =>
        $"""(select coalesce(sum(n), 0)::bigint from {JobCountsSchemaObject.Table} where "user" = {user})""";

    /// <summary>The user's queued count (int), kept by <see cref="JobCountsSchemaObject"/>.</summary>
    public static string QueuedOf(string user) =>
        $"""(select coalesce(sum(n), 0)::int from {JobCountsSchemaObject.Table} where "user" = {user} and status = '{JobStatus.Queued}')""";
}
