using System.Globalization;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// The waiting jobs' order (<see cref="IQueuePosition"/>), in one query over the job views: the jobs started and not
/// finished, those of them no server has taken yet (no node), each user's running count, and when each user was last
/// served (the newest <c>started_at</c>, from the (user, started_at) index).
/// </summary>
internal sealed class MartenQueuePosition(IQuerySession session, JobsOptions options) : IQueuePosition
{
    public const string Views = PersistenceRegistration.SchemaName + ".mt_doc_jobview";

    /// <summary>The statuses of jobs started and not finished, as the status column holds them.</summary>
    public static readonly string[] Active = JobStatuses.Active.Select(s => s.ToString()).ToArray();

    private static readonly string Position = $"with {Order("?", "?")} select position::int from ordered where id = ?";

    /// <summary>A row of <c>ordered</c> as one "position:id" text (<see cref="Places"/> reads them back).</summary>
    public const string Place = "position::text || ':' || id";

    /// <summary>"position:id" rows: AdvancedSql reads scalars one column at a time.</summary>
    private static readonly string PositionsOfUser = $"with {Order("?", "?")} select {Place} from ordered where \"user\" = ?";

    /// <summary>
    /// The common table expressions (after <c>with</c>) whose last, <c>ordered</c>, is every waiting job's
    /// (id, "user", position); <paramref name="active"/> is the parameter of the <see cref="Active"/> statuses and
    /// <paramref name="maxRunningPerUser"/> that of <see cref="JobsOptions.MaxRunningPerUser"/>.
    /// </summary>
    public static string Order(string active, string maxRunningPerUser) => $"""
        active as (
            select id, "user", queued_at, (data ->> 'node') is not null as taken
            from {Views}
            where status = any({active}) and deleted is not true
        ),
        users as (
            select g.*, (select max(s.started_at) from {Views} s where s."user" = g."user") as last_served
            from (
                select "user",
                       count(*) filter (where taken) as running,
                       min(queued_at) filter (where not taken) as first_queued_at
                from active
                group by "user"
                having bool_or(not taken)
            ) g
        ),
        waiting as (
            select a.id, a.queued_at, u."user", u.running, u.last_served, u.first_queued_at,
                   u.running + row_number() over (partition by a."user" order by a.queued_at, a.id collate "C") - 1 as round
            from active a join users u on u."user" = a."user"
            where not a.taken
        ),
        ordered as (
            select id, "user", row_number() over (order by round >= {maxRunningPerUser}, round, running desc, last_served nulls first,
                                                   first_queued_at, "user" collate "C", queued_at, id collate "C") as position
            from waiting
        )
        """;

    public async Task<int> OfAsync(string jobId, CancellationToken cancellationToken)
    {
        var position = await session.QueryAsync<int>(Position, cancellationToken, Active, options.MaxRunningPerUser, JobStream.For(jobId));
        return position.Count == 0 ? 0 : position[0];
    }

    public async Task<IReadOnlyDictionary<string, int>> OfUserAsync(string user, CancellationToken cancellationToken)
    {
        var rows = await session.AdvancedSql.QueryAsync<string>(PositionsOfUser, cancellationToken, Active, options.MaxRunningPerUser, user);
        return Places(rows);
    }

    /// <summary>Job id → place, from <see cref="Place"/> rows (the id is the view's: the job's stream).</summary>
    public static IReadOnlyDictionary<string, int> Places(IEnumerable<string> rows)
    {
        var stream = JobStream.For("").Length;
        return rows.Select(row => row.Split(':', 2)).ToDictionary(p => p[1][stream..], p => int.Parse(p[0], CultureInfo.InvariantCulture));
    }
}
