using System.Data;
using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Npgsql;
using NpgsqlTypes;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// <c>GET /jobs</c>'s page written by PostgreSQL (<see cref="IJobListJson"/>): one statement builds the whole answer as
/// <c>json</c> from the stored views' <c>data</c>, with the list's revision in the same snapshot, and its bytes are sent
/// as they are, so the server neither deserializes the views nor serializes the items (issue #20: ~25 µs of server CPU
/// per job listed that way); the page is kept with its revision (<see cref="JobListPageCache"/>) and sent again while
/// the caller's revision is the same. Each field is as <see cref="ListJobs.Item.Of"/> maps it and as the API's
/// serializer writes it: dates and numbers as stored (System.Text.Json wrote them), statuses in snake_case, the prompt
/// cut to <see cref="ListJobs.PromptPreviewLength"/> code points. The waiting jobs' places are ordered as
/// <see cref="MartenQueuePosition"/> orders them, only when a job on the page waits; the total is the kept count
/// (<see cref="JobCountsSchemaObject"/>), or counted when the list is of one repository.
/// </summary>
internal sealed class PostgresJobListJson(NpgsqlDataSource dataSource, JobsOptions options, JobListPageCache cache) : IJobListJson
{
    /// <summary>
    /// From this many jobs into the list on, a page's ids are read off the index alone and then only its own jobs are
    /// read: skipping a job costs ~1.5 µs read whole and ~0.1 µs in the index (bench/README.md, api.sh).
    /// </summary>
    public const int DeepPageFrom = 500;

    private const string Views = MartenQueuePosition.Views;

    /// <summary>The statement for each shape of query: (status filter, repository filter, deep page).</summary>
    private static readonly Dictionary<(bool Status, bool Repository, bool Deep), string> Statements =
        (from status in new[] { false, true }
         from repository in new[] { false, true }
         from deep in new[] { false, true }
         select (status, repository, deep))
        .ToDictionary(shape => shape, shape => Statement(shape.status, shape.repository, shape.deep));

    public async Task<JobListPage> ReadAsync(ListJobs query, CancellationToken cancellationToken)
    {
        if (query.Current is { } current && cache.Find(query, current) is { } kept)
        {
            return kept;
        }

        var page = await ReadStoredAsync(query, cancellationToken);
        cache.Keep(query, page);
        return page;
    }

    private async Task<JobListPage> ReadStoredAsync(ListJobs query, CancellationToken cancellationToken)
    {
        var offset = (query.Page - 1) * query.PageSize;
        var statement = Statements[(query.Status is not null, query.Repository is not null, offset >= DeepPageFrom)];
        await using var command = dataSource.CreateCommand(statement);
        command.Parameters.Add(new() { Value = query.User, NpgsqlDbType = NpgsqlDbType.Varchar });
        command.Parameters.Add(new() { Value = query.Status?.ToString() ?? "", NpgsqlDbType = NpgsqlDbType.Varchar });
        command.Parameters.Add(new() { Value = query.Repository ?? "", NpgsqlDbType = NpgsqlDbType.Varchar });
        command.Parameters.Add(new() { Value = offset, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = query.PageSize, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = query.Page, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new() { Value = MartenQueuePosition.Active, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar });
        command.Parameters.Add(new() { Value = options.MaxRunningPerUser, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("The job list's statement returned no row.");
        }

        // The list's revision as GetJobListRevision reads it, in the page's own snapshot.
        var revision = reader.GetInt64(0);
        var counted = reader.GetInt64(1);
        var queued = reader.GetInt32(2);
        var places = await reader.IsDBNullAsync(3, cancellationToken)
            ? []
            : await reader.GetFieldValueAsync<string[]>(3, cancellationToken);
        var json = await reader.GetFieldValueAsync<byte[]>(4, cancellationToken);
        var queue = queued == 0 ? "0" : GetJobListRevision.QueueOf(MartenQueuePosition.Places(places));
        return new JobListPage(new GetJobListRevision.Response(revision, counted, queue), json);
    }

    /// <summary>
    /// Columns: the user's revision, their kept count, their queued count and, when it is not 0, their waiting jobs' places
    /// (<see cref="MartenQueuePosition.Place"/>: the list's revision, as <see cref="GetJobListRevision"/> reads it), then the page's JSON.
    /// $1 user, $2 status, $3 repository, $4 offset, $5 page size, $6 page, $7 the active statuses, $8 the most jobs a
    /// user runs at once.
    /// </summary>
    private static string Statement(bool status, bool repository, bool deep)
    {
        var filter = "\"user\" = $1 and (deleted is null or deleted = false)"
            + (status ? " and status = $2" : "")
            + (repository ? " and repository = $3" : "");
        // A deep page's ids come off the (user[, status], created_at) index alone, then only its own rows are read.
        var page = deep
            ? $"""
                ids as (select id from {Views} where {filter} order by created_at desc offset $4 limit $5),
                page as (select v.id, v.data, v.status, v.created_at from ids join {Views} v on v.id = ids.id),
                """
            : $"""
                page as (select id, data, status, created_at from {Views} where {filter} order by created_at desc offset $4 limit $5),
                """;
        var total = repository
            ? $"(select count(*) from {Views} where {filter})"
            : $"(select coalesce(sum(n), 0) from {JobCountsSchemaObject.Table} where \"user\" = $1{(status ? " and status = $2" : "")})";
        var statuses = string.Concat(Enum.GetValues<JobStatus>().Select(s =>
            $" when '{s}' then '{JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString())}'"));
        // The places are ordered only when a job on the page waits (the gate is evaluated first, the ordering never
        // runs when it is false); a job has one when it is queued and no server has taken it.
        return $"""
            with {page}
            {MartenQueuePosition.Order("$7", "$8")},
            places as (
                select id, position from ordered
                where "user" = $1 and exists (select 1 from page where status = '{JobStatus.Queued}' and (data ->> 'node') is null)
            ),
            queued as (select {MartenJobRevisions.QueuedOf("$1")} as n)
            select {MartenJobRevisions.RevisionOf("$1")},
            {MartenJobRevisions.CountedOf("$1")},
            (select n from queued),
            (select array_agg({MartenQueuePosition.Place}) from ordered where "user" = $1 and (select n from queued) > 0),
            json_build_object(
                'jobs', coalesce((
                    select json_agg(json_build_object(
                        'jobId', p.data -> 'jobId',
                        'repository', p.data -> 'repository',
                        'prompt', left(p.data ->> 'prompt', {ListJobs.PromptPreviewLength}),
                        'status', case p.status{statuses} end,
                        'createdAt', p.data -> 'createdAt',
                        'startedAt', p.data -> 'startedAt',
                        'completedAt', p.data -> 'completedAt',
                        'exitCode', p.data -> 'exitCode',
                        'error', p.data -> 'error',
                        'costUsd', p.data -> 'costUsd',
                        'changes', case when jsonb_typeof(p.data -> 'changes') = 'object' then json_build_object(
                            'files', p.data -> 'changes' -> 'files',
                            'additions', p.data -> 'changes' -> 'additions',
                            'deletions', p.data -> 'changes' -> 'deletions') end,
                        'turn', coalesce(p.data -> 'turn', '1'),
                        'totalCostUsd', case when jsonb_typeof(p.data -> 'turns') = 'array' and jsonb_array_length(p.data -> 'turns') > 0
                            then (select to_jsonb(sum((t ->> 'costUsd')::numeric)) from jsonb_array_elements(p.data -> 'turns') t)
                            else p.data -> 'costUsd' end,
                        'queuePosition', coalesce(q.position, 0)
                    ) order by p.created_at desc, p.id)
                    from page p left join places q on q.id = p.id), '[]'),
                'page', $6,
                'pageSize', $5,
                'total', {total}::int)
            """;
    }
}
