using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Failover: a dead node's unfinished Wolverine messages (its queued and running jobs' <c>RunJob</c>) are handed to
/// the living nodes as soon as its name's lock is gone, rather than after Wolverine's own stale-node timeout (a
/// minute without health checks, then two more checks). The node's Wolverine row is removed and its messages'
/// ownership released, as Wolverine's own ejection does; the durability agent's next recovery pass
/// (<see cref="Persistence.QuietDurability.RecoveryPolling"/>) delivers them on one of the living nodes.
/// </summary>
internal sealed partial class NodeMembership
{
    /// <summary>How often the living nodes look for dead ones; a node is released once seen dead twice in a row.</summary>
    public static readonly TimeSpan FailoverPollInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a single node (<c>Jobs:SingleNode</c>) looks: no other node takes jobs over from a dead one there (only
    /// a node its configuration left behind), so the look that also notices this node's own lock gone (the heartbeat
    /// notices it too) need not wake an idle server every 5 s.
    /// </summary>
    public static readonly TimeSpan SingleNodePollInterval = HeartbeatInterval;

    private const string WolverineSchema = Persistence.PersistenceRegistration.SchemaName;

    /// <summary>
    /// Releases the Wolverine node of this name's previous life (this process holds the name, so it is over); answers
    /// when that life started, null if the name never ran.
    /// </summary>
    private async Task<DateTimeOffset?> ReleasePreviousLifeAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        DateTimeOffset? started = null;
        Guid? previous = null;
        await using (var read = new NpgsqlCommand($"select started_at, wolverine_node from {Table} where name = $1", connection))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = Self });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                started = reader.GetFieldValue<DateTimeOffset>(0);
                previous = await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetGuid(1);
            }
        }

        if (previous is { } node && node != wolverine.UniqueNodeId)
        {
            await ReleaseAsync(connection, Self, node, whenDead: false, cancellationToken);
        }

        return started;
    }

    /// <summary>Whether the node's row still names this process's Wolverine node (no other node released it).</summary>
    private async Task<bool> StillListedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand($"select wolverine_node = $2 from {Table} where name = $1", connection);
        read.Parameters.Add(new NpgsqlParameter { Value = Self });
        read.Parameters.Add(new NpgsqlParameter { Value = wolverine.UniqueNodeId });
        return await read.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>Every <see cref="FailoverPollInterval"/>: releases the nodes seen dead on this pass and the one before.</summary>
    private async Task WatchForDeadNodesAsync(CancellationToken stop)
    {
        var suspects = new HashSet<(string Name, Guid Node)>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.SingleNode ? SingleNodePollInterval : FailoverPollInterval, clock, stop);
                await using var connection = await dataSource.OpenConnectionAsync(stop);
                var dead = new HashSet<(string, Guid)>();
                var selfAlive = true;
                await using (var find = new NpgsqlCommand(
                                 $"select n.name, n.wolverine_node from {Table} n where n.wolverine_node is not null and not {Alive("n")}", connection))
                {
                    await using var reader = await find.ExecuteReaderAsync(stop);
                    while (await reader.ReadAsync(stop))
                    {
                        if (reader.GetString(0) == Self)
                        {
                            selfAlive = false;
                        }
                        else
                        {
                            dead.Add((reader.GetString(0), reader.GetGuid(1)));
                        }
                    }
                }

                // Never itself: while this process lives, its name is only between two locks. Nor anyone while this
                // node's own lock is gone: the database most likely dropped every session, and the others take
                // their names again as this one does (at once: the heartbeat is woken).
                if (!selfAlive)
                {
                    await ownLockLost.CancelAsync();
                    suspects.Clear();
                    continue;
                }

                foreach (var (name, node) in dead.Where(suspects.Contains))
                {
                    if (await ReleaseAsync(connection, name, node, whenDead: true, stop))
                    {
                        logger.LogWarning("Node {Node} is gone; its unfinished jobs are handed to the other nodes", name);
                    }
                }

                suspects = dead;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database is away: the next pass looks again.
                suspects.Clear();
            }
        }
    }

    /// <summary>
    /// Removes Wolverine node <paramref name="node"/> (its agent assignments go with it) and gives up its messages'
    /// ownership, if the node of <paramref name="name"/> still lists it and (<paramref name="whenDead"/>) is dead; true
    /// if it did. Harmless when two nodes do it at once.
    /// </summary>
    private static async Task<bool> ReleaseAsync(NpgsqlConnection connection, string name, Guid node, bool whenDead, CancellationToken cancellationToken)
    {
        await using var release = new NpgsqlCommand(
            $"""
             with mine as (select 1 from {Table} n where n.name = $1 and n.wolverine_node = $2 {(whenDead ? $"and not {Alive("n")}" : "")}),
                  gone as (delete from {WolverineSchema}.wolverine_nodes where id = $2 and exists (select 1 from mine) returning node_number),
                  incoming as (update {WolverineSchema}.wolverine_incoming_envelopes set owner_id = 0 where owner_id in (select node_number from gone)),
                  outgoing as (update {WolverineSchema}.wolverine_outgoing_envelopes set owner_id = 0 where owner_id in (select node_number from gone))
             update {Table} set wolverine_node = null where name = $1 and wolverine_node = $2 and exists (select 1 from mine)
             """, connection);
        release.Parameters.Add(new NpgsqlParameter { Value = name });
        release.Parameters.Add(new NpgsqlParameter { Value = node });
        try
        {
            return await release.ExecuteNonQueryAsync(cancellationToken) > 0;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Wolverine has not made its tables yet (the first start on this database): it has nothing to release.
            return false;
        }
    }
}
