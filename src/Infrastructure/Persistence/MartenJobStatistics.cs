using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// <see cref="IJobStatistics"/> over the job views: a job is running once a node has taken it (its <c>node</c> is set,
/// as <see cref="MartenQueuePosition"/> counts), queued until then. The node list is every node alive now (last seen:
/// now) and every node that has running jobs though it is gone (last seen: its last heartbeat), from the node list
/// (<see cref="INodeDirectory"/>).
/// </summary>
internal sealed class MartenJobStatistics(NpgsqlDataSource database, INodeDirectory directory) : IJobStatistics
{
    private static readonly string[] Active = JobStatuses.Active.Select(s => s.ToString()).ToArray();

    private const string Views = MartenQueuePosition.Views;

    private const string Depth = $"""
        select count(*) filter (where (data ->> 'node') is null)::int,
               count(*) filter (where (data ->> 'node') is not null)::int
        from {Views}
        where status = any($1) and deleted is not true
        """;

    private const string Nodes = $"""
        select data ->> 'node', count(*)::int
        from {Views}
        where status = any($1) and deleted is not true and (data ->> 'node') is not null
        group by 1
        """;

    // Ended turns by their end; waits by when they were taken (a job still running has waited too).
    private const string Day = $"""
        with ended as (
            select status, started_at, (data ->> 'completedAt')::timestamptz as completed_at
            from {Views}
            where status = any($1) and (data ->> 'completedAt')::timestamptz >= $2
        )
        select count(*) filter (where status = 'Completed')::int,
               count(*) filter (where status in ('Failed', 'GitFailed'))::int,
               count(*) filter (where status = 'Timeout')::int,
               count(*) filter (where status = 'Cancelled')::int,
               (select percentile_cont(0.5) within group (order by extract(epoch from started_at - queued_at))
                from {Views} where started_at >= $2 and queued_at is not null),
               percentile_cont(0.5) within group (order by extract(epoch from completed_at - started_at))
                   filter (where started_at is not null)
        from ended
        """;

    private static readonly string[] Finished =
        [nameof(JobStatus.Completed), nameof(JobStatus.Failed), nameof(JobStatus.GitFailed), nameof(JobStatus.Timeout), nameof(JobStatus.Cancelled)];

    public async Task<QueueDepth> QueueAsync(CancellationToken cancellationToken)
    {
        await using var reader = await ReadAsync(Depth, cancellationToken, [Active]);
        await reader.ReadAsync(cancellationToken);
        return new QueueDepth(reader.GetInt32(0), reader.GetInt32(1));
    }

    public async Task<IReadOnlyList<NodeActivity>> NodesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var running = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var reader = await ReadAsync(Nodes, cancellationToken, [Active]))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                running[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        var known = await directory.ListAsync(cancellationToken);
        var nodes = known
            .Where(n => n.Alive || running.ContainsKey(n.Name))
            .Select(n => new NodeActivity(n.Name, running.GetValueOrDefault(n.Name), n.Alive ? now : n.LastSeen))
            .ToList();
        // Jobs of a node the list never knew (one from before nodes were listed): named, without a heartbeat.
        nodes.AddRange(running.Keys.Where(name => known.All(n => n.Name != name)).Select(name => new NodeActivity(name, running[name], null)));
        if (nodes.All(n => n.Name != directory.Self))
        {
            nodes.Add(new NodeActivity(directory.Self, 0, now));
        }

        return nodes.OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<LastDay> LastDayAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var reader = await ReadAsync(Day, cancellationToken, [Finished, since]);
        await reader.ReadAsync(cancellationToken);
        return new LastDay(
            reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3),
            reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetDouble(5));
    }

    private async Task<NpgsqlDataReader> ReadAsync(string sql, CancellationToken cancellationToken, object[] values)
    {
        var command = database.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        // The command's connection closes with the reader.
        return await command.ExecuteReaderAsync(System.Data.CommandBehavior.CloseConnection, cancellationToken);
    }
}
