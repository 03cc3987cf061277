using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// The run slots every server on one database shares, so that <c>Jobs:MaxConcurrent</c> (and
/// <c>Jobs:MaxRunningPerUser</c>) hold across all of them. A slot is a session-level PostgreSQL advisory lock
/// (<see cref="ClusterSlotKeys"/>) taken with <c>pg_try_advisory_lock</c> on a connection of its own, kept for the
/// life of the job's pipeline; a user's job also holds one of the user's keys. Chosen over a shared table of leases
/// or an exclusive queue listener because the database itself releases a dead server's locks when its connections
/// close: failover needs no lease timeout, no heartbeat and no clean-up, and nothing is written while jobs run.
/// <para>
/// Each server hands its slots out in its own fair order (<see cref="FairJobScheduler"/>) and asks here, in that
/// order, for a global one. When none is free its jobs wait for a notification (<see cref="Channel"/>, sent when a
/// slot is let go) or, as a fallback for a server that died without a word, <see cref="Poll"/>: only while a job
/// waits; an idle server asks nothing, and closes the connections its last jobs used after <see cref="IdleLifetime"/>.
/// Between servers the order is approximate: a freed slot goes to whichever server asks first, not to the fairest job
/// of all servers. A job waiting here keeps its
/// server's own slot meanwhile (a server has <c>Jobs:MaxConcurrent</c> of those too): so when several users' jobs on
/// one server all wait for their users' slots, held on other servers, that server starts no other user's job until
/// one of them ends, even with global slots free. The per-user cap itself is exact across servers.
/// </para>
/// <para>
/// While the database is away a job cannot take a slot: it waits, and tries again each <see cref="Poll"/>. A running
/// job whose slot connection breaks keeps running (its agent is not stopped for that): its lock is gone, so another
/// server may start a job in its place, and until it ends one more job than <c>Jobs:MaxConcurrent</c> may run in all.
/// </para>
/// </summary>
internal sealed class ClusterJobSlots : IAsyncDisposable
{
    public const string Channel = "claudebatch_job_slots";

    /// <summary>How often a server whose jobs wait asks again, in case a slot was freed without a notification.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private const string TakeOne = "SELECT key FROM unnest($1::bigint[]) AS key WHERE pg_try_advisory_lock(key) LIMIT 1";

    /// <summary>How long a slot connection no job uses stays open for the next one (a new PostgreSQL session costs ~40 ms of its CPU here).</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(60);

    private readonly ClusterSlotKeys keys;
    private readonly NpgsqlDataSource connections;
    private readonly ILogger<ClusterJobSlots> logger;
    private readonly Lock gate = new();
    private readonly List<Waiter> line = [];
    private readonly CancellationTokenSource stopping = new();
    private Task pump = Task.CompletedTask;
    private bool serving;
    private bool failing;

    public ClusterJobSlots(IConfiguration configuration, JobsOptions options, ILogger<ClusterJobSlots> logger)
    {
        keys = new ClusterSlotKeys(options.MaxConcurrent, options.MaxRunningPerUser);
        this.logger = logger;
        // Pooled apart from the server's other connections (a slot holds its connection for the whole job), so that the
        // next job reuses a session: the pool's reset (DISCARD ALL) lets go of anything a slot left locked or listened to.
        connections = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
        {
            Pooling = true,
            MinPoolSize = 0,
            MaxPoolSize = options.MaxConcurrent + 8,
            ConnectionIdleLifetime = (int)IdleLifetime.TotalSeconds,
            ApplicationName = ApplicationName(Environment.ProcessId),
        }.WithQuickKeepAlive().ConnectionString);
    }

    /// <summary>Names the slot connections in <c>pg_stat_activity</c>, with the process id.</summary>
    public static string ApplicationName(int processId) => $"claude-batch job slot {processId}";

    /// <summary>Jobs of this server waiting for a global slot.</summary>
    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return line.Count;
            }
        }
    }

    /// <summary>
    /// Waits until a global slot (and one of the user's) is free and takes it; dispose it to let it go. A cancelled
    /// wait leaves the line and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<IAsyncDisposable> TakeAsync(string user, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(keys.ForUser(user));
        bool first;
        lock (gate)
        {
            // Behind jobs of this server that wait for a global slot, this one waits its turn; behind ones that wait only
            // for their own user's, it may try at once.
            first = line.All(w => w.OnlyUserFull);
            if (!first)
            {
                Enqueue(waiter);
            }
        }

        if (first)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await OpenAsync(cancellationToken);
                var taken = await TryTakeAsync(connection, waiter, cancellationToken);
                if (taken is not null)
                {
                    connection = null;
                    Recovered();
                    return taken;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Failed(e);
            }
            finally
            {
                await Close(connection);
            }

            lock (gate)
            {
                Enqueue(waiter);
            }
        }

        await using (cancellationToken.Register(() => Withdraw(waiter)))
        {
            var slot = await waiter.Granted.Task;
            if (cancellationToken.IsCancellationRequested)
            {
                await slot.DisposeAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return slot;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        try
        {
            await pump;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        stopping.Dispose();
        await connections.DisposeAsync();
    }

    /// <summary>Joins the line, and starts serving it if nobody does (under the lock).</summary>
    private void Enqueue(Waiter waiter)
    {
        line.Add(waiter);
        if (!serving)
        {
            serving = true;
            pump = Task.Run(ServeAsync);
        }
    }

    private void Withdraw(Waiter waiter)
    {
        lock (gate)
        {
            if (line.Remove(waiter))
            {
                waiter.Granted.TrySetCanceled();
            }
        }
    }

    /// <summary>
    /// While jobs wait: tries the line in order until the global slots are taken, then waits for a slot to be let go
    /// somewhere (a notification) or <see cref="Poll"/>. Ends, closing its connections, when nobody waits.
    /// </summary>
    private async Task ServeAsync()
    {
        NpgsqlConnection? listening = null;
        NpgsqlConnection? spare = null;
        try
        {
            while (true)
            {
                Waiter[] waiting;
                lock (gate)
                {
                    if (line.Count == 0 || stopping.IsCancellationRequested)
                    {
                        serving = false;
                        return;
                    }

                    waiting = [.. line];
                }

                try
                {
                    if (listening is null)
                    {
                        listening = await OpenAsync(stopping.Token);
                        await using var listen = new NpgsqlCommand($"LISTEN {Channel}", listening);
                        await listen.ExecuteNonQueryAsync(stopping.Token);
                    }

                    foreach (var waiter in waiting)
                    {
                        spare ??= await OpenAsync(stopping.Token);
                        var taken = await TryTakeAsync(spare, waiter, stopping.Token);
                        if (taken is null)
                        {
                            if (waiter.OnlyUserFull)
                            {
                                continue;
                            }

                            break;
                        }

                        spare = null;
                        bool granted;
                        lock (gate)
                        {
                            granted = line.Remove(waiter) && waiter.Granted.TrySetResult(taken);
                        }

                        if (!granted)
                        {
                            await taken.DisposeAsync();
                        }
                    }

                    Recovered();
                    // Whatever is heard wakes it; several notifications at once are read by the next wait.
                    await listening.WaitAsync(Poll, stopping.Token);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    Failed(e);
                    await Close(listening);
                    await Close(spare);
                    (listening, spare) = (null, null);
                    await Task.Delay(Poll, stopping.Token);
                }
            }
        }
        finally
        {
            await Close(listening);
            await Close(spare);
        }
    }

    /// <summary>Takes one of the user's keys and one global key on the connection, or neither (null).</summary>
    private async Task<Slot?> TryTakeAsync(NpgsqlConnection connection, Waiter waiter, CancellationToken cancellationToken)
    {
        long? userKey = null;
        if (waiter.UserKeys.Count > 0)
        {
            userKey = await TakeOneAsync(connection, waiter.UserKeys, cancellationToken);
            if (userKey is null)
            {
                waiter.OnlyUserFull = true;
                return null;
            }
        }

        var globalKey = await TakeOneAsync(connection, keys.Global, cancellationToken);
        if (globalKey is null)
        {
            waiter.OnlyUserFull = false;
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await unlock.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }

        return new Slot(connection, logger);
    }

    private static async Task<long?> TakeOneAsync(NpgsqlConnection connection, IReadOnlyList<long> candidates, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand(TakeOne, connection) { Parameters = { new() { Value = candidates.ToArray() } } };
        return await take.ExecuteScalarAsync(cancellationToken) is long key ? key : null;
    }

    private ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenConnectionAsync(cancellationToken);

    private static async Task Close(NpgsqlConnection? connection)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private void Failed(Exception e)
    {
        lock (gate)
        {
            if (failing)
            {
                return;
            }

            failing = true;
        }

        logger.LogWarning("Run slots cannot be taken ({Reason}); waiting jobs wait until the database answers", e.Message);
    }

    private void Recovered()
    {
        lock (gate)
        {
            if (!failing)
            {
                return;
            }

            failing = false;
        }

        logger.LogInformation("Run slots can be taken again");
    }

    private sealed class Waiter(IReadOnlyList<long> userKeys)
    {
        public IReadOnlyList<long> UserKeys { get; } = userKeys;

        /// <summary>Whether its last try failed for want of one of its user's slots only (a global one may be free).</summary>
        public bool OnlyUserFull { get; set; }

        public TaskCompletionSource<IAsyncDisposable> Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Held locks on their own connection: letting go unlocks them and tells every server.</summary>
    private sealed class Slot(NpgsqlConnection connection, ILogger logger) : IAsyncDisposable
    {
        private int released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref released, 1) != 0)
            {
                return;
            }

            try
            {
                await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock_all(), pg_notify('{Channel}', '')", connection)
                {
                    CommandTimeout = 5,
                };
                await release.ExecuteNonQueryAsync();
            }
            catch (Exception e)
            {
                // The connection broke: the database let the locks go then. The others hear of it by their poll.
                logger.LogDebug("A run slot's connection was already gone when it was let go ({Reason})", e.Message);
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
