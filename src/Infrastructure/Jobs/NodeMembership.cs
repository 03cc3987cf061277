using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// This process is node <c>Jobs:NodeName</c> on the shared database for as long as it holds that name's
/// session-level advisory lock, on a connection of its own; the node list (<see cref="INodeDirectory"/>) says who holds
/// theirs. Taken before any other service starts (a second process with the same name waits up to
/// <see cref="TakeOverTime"/> for the first to let go, then refuses to start: two processes under one name would take
/// each other's running jobs for interrupted ones). A node that dies, however, lets go at once: PostgreSQL ends the
/// lock with the connection. The node's row says where the others reach it (<c>Jobs:NodeUrl</c>) and when it was last
/// seen (<see cref="HeartbeatInterval"/>). When the connection drops, the lock is taken again; should another process
/// have taken the name meanwhile, or the other nodes have handed this one's jobs over (NodeMembership.Failover.cs),
/// this one stops.
/// </summary>
internal sealed partial class NodeMembership(
    IConfiguration configuration, NpgsqlDataSource dataSource, JobsOptions options, Wolverine.WolverineOptions wolverine, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<NodeMembership> logger) : IHostedService, INodeDirectory, INodeHistory, IAsyncDisposable
{
    public static readonly TimeSpan TakeOverTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);

    /// <summary>The first key of every node lock (<c>pg_advisory_lock(int, int)</c>); the second is <c>hashtext(name)</c>.</summary>
    private const int LockSpace = 0x43_42_4E_44; // "CBND"

    private const string Table = PersistenceRegistration.SchemaName + ".nodes";

    private readonly CancellationTokenSource stopping = new();
    private NpgsqlConnection? held;
    private Task? heartbeat;
    private Task? failover;
    private bool previousLifeReleased;
    private bool handedOver;
    private CancellationTokenSource ownLockLost = new();

    public string Self => options.NodeName;

    public DateTimeOffset? PreviousLifeStartedAt { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        held = await TakeAsync(TakeOverTime, cancellationToken)
            ?? throw new InvalidOperationException(
                $"Another server runs as node '{Self}' on this database (it held the name for {TakeOverTime.TotalSeconds:0} s); " +
                "give each server its own Jobs:NodeName.");
        logger.LogInformation("Running as node {Node}", Self);
        heartbeat = BeatAsync(stopping.Token);
        failover = WatchForDeadNodesAsync(stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        foreach (var loop in new[] { heartbeat, failover })
        {
            if (loop is not null)
            {
                await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Dispose();
        ownLockLost.Dispose();
        if (held is not null)
        {
            await held.DisposeAsync();
        }
    }

    public async Task<NodeInfo?> FindAsync(string name, CancellationToken cancellationToken) =>
        (await ReadAsync(name, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken) => ReadAsync(null, cancellationToken);

    private async Task<IReadOnlyList<NodeInfo>> ReadAsync(string? name, CancellationToken cancellationToken)
    {
        // A node is alive while some session holds its lock.
        await using var command = dataSource.CreateCommand(
            $"""
             select n.name, n.url, n.started_at, n.last_seen,
                    {Alive("n")}
             from {Table} n
             where $1::text is null or n.name = $1
             order by n.name
             """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, DataTypeName = "text" });
        var nodes = new List<NodeInfo>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            nodes.Add(new NodeInfo(
                reader.GetString(0), await reader.IsDBNullAsync(1, cancellationToken) ? null : reader.GetString(1),
                reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetBoolean(4)));
        }

        return nodes;
    }

    /// <summary>Whether the node of row <paramref name="alias"/> is alive: some session holds its name's lock now.</summary>
    private static string Alive(string alias) =>
        // pg_locks shows a two-key advisory lock as classid, objid and objsubid 2; int keys are stored as oids.
        $"""
         exists (select 1 from pg_locks l
                 where l.locktype = 'advisory' and l.granted and l.objsubid = 2
                   and l.database = (select oid from pg_database where datname = current_database())
                   and l.classid = ({LockSpace})::bigint::oid and l.objid = (hashtext({alias}.name)::bigint & 4294967295)::oid)
         """;

    /// <summary>Takes the name's lock on a new connection and records the node, trying for up to <paramref name="patience"/>; null if another process holds it.</summary>
    private async Task<NpgsqlConnection?> TakeAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        // A node whose machine vanished (no FIN) lets go of its name once keepalive gives up on it.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
        {
            Pooling = false,
            ApplicationName = "claude-batch node " + Self,
        }.WithQuickKeepAlive().ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using (var create = new NpgsqlCommand(
                             $"create table if not exists {Table} (name text primary key, url text, started_at timestamptz not null, last_seen timestamptz not null); " +
                             $"alter table {Table} add column if not exists wolverine_node uuid",
                             connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var deadline = clock.GetUtcNow() + patience;
            while (true)
            {
                await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock({LockSpace}, hashtext($1))", connection))
                {
                    take.Parameters.Add(new NpgsqlParameter { Value = Self });
                    if ((bool)(await take.ExecuteScalarAsync(cancellationToken))!)
                    {
                        break;
                    }
                }

                if (clock.GetUtcNow() >= deadline)
                {
                    await connection.DisposeAsync();
                    return null;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), clock, cancellationToken);
            }

            // The previous life of this name (once: a lock taken again after a lost connection is the same life) is over:
            // its queued messages are handed back at once, not after Wolverine's stale-node timeout.
            if (!previousLifeReleased)
            {
                PreviousLifeStartedAt = await ReleasePreviousLifeAsync(connection, cancellationToken);
                previousLifeReleased = true;
            }
            else
            {
                // Taken again after a lost connection: should the others have seen this node dead meanwhile, they
                // took its jobs over (NodeMembership.Failover), and this process must not go on with them.
                handedOver = !await StillListedAsync(connection, cancellationToken);
            }

            await using var record = new NpgsqlCommand(
                $"""
                 insert into {Table} (name, url, started_at, last_seen, wolverine_node) values ($1, $2, now(), now(), $3)
                 on conflict (name) do update set url = excluded.url, started_at = case when {Table}.wolverine_node = excluded.wolverine_node then {Table}.started_at else excluded.started_at end,
                   last_seen = excluded.last_seen, wolverine_node = excluded.wolverine_node
                 """, connection);
            record.Parameters.Add(new NpgsqlParameter { Value = Self });
            record.Parameters.Add(new NpgsqlParameter { Value = (object?)options.NodeUrl ?? DBNull.Value, DataTypeName = "text" });
            record.Parameters.Add(new NpgsqlParameter { Value = wolverine.UniqueNodeId });
            await record.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Marks the node seen every <see cref="HeartbeatInterval"/>; takes the name again when the connection was lost.</summary>
    private async Task BeatAsync(CancellationToken stop)
    {
        var lost = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Woken early when the failover pass finds this node's own lock gone (the database restarted, say),
                // so that the others do not take it for dead while it has not noticed yet.
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stop, ownLockLost.Token))
                {
                    await Task.Delay(lost ? TimeSpan.FromSeconds(1) : HeartbeatInterval, clock, wait.Token)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    stop.ThrowIfCancellationRequested();
                }

                if (ownLockLost.IsCancellationRequested)
                {
                    // Beat now: on a dead connection the beat fails, and the name is taken again below.
                    ownLockLost.Dispose();
                    ownLockLost = new CancellationTokenSource();
                }

                if (lost)
                {
                    // Patient: the old session may not have ended yet on the database's side.
                    held = await TakeAsync(TakeOverTime, stop);
                    if (held is null)
                    {
                        logger.LogCritical("Another server took the name of node {Node} while this one was cut off from the database; stopping", Self);
                        lifetime.StopApplication();
                        return;
                    }

                    if (handedOver)
                    {
                        logger.LogCritical(
                            "Node {Node} was cut off from the database long enough for the other nodes to take its jobs over; stopping", Self);
                        lifetime.StopApplication();
                        return;
                    }

                    logger.LogInformation("Node {Node} holds its name again", Self);
                    lost = false;
                    continue;
                }

                await using var beat = new NpgsqlCommand($"update {Table} set last_seen = now() where name = $1", held!);
                beat.Parameters.Add(new NpgsqlParameter { Value = Self });
                await beat.ExecuteNonQueryAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (DatabaseAvailability.IsUnavailable(e) || e is NpgsqlException or InvalidOperationException)
            {
                if (!lost)
                {
                    logger.LogWarning("Node {Node} lost its connection to the database ({Reason}); taking its name again", Self, e.Message);
                }

                if (held is not null)
                {
                    await held.DisposeAsync();
                    held = null;
                }

                lost = true;
            }
        }
    }
}
