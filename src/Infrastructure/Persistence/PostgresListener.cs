using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Keeps something this server holds in memory current with what every server commits, through PostgreSQL
/// <c>LISTEN/NOTIFY</c> on a connection of its own. It listens first, then <see cref="ListeningAsync"/> (so what commits
/// from then on is heard and what committed before is read); each notification goes to <see cref="Heard"/>; after
/// <see cref="ReconcileInterval"/> without one, or when <see cref="ReconcileSoon"/> asks, <see cref="ReconcileAsync"/>
/// (in case a notification was missed). When the connection drops it calls <see cref="MarkStale"/> (reads go to the
/// database) and tries again every second; a connection that died without a word is noticed by TCP keepalive.
/// </summary>
internal abstract class PostgresListener(IConfiguration configuration, TimeProvider clock, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private volatile bool reconcileNow;

    protected TimeProvider Clock => clock;

    /// <summary>The channel the database's trigger notifies.</summary>
    protected abstract string ListenChannel { get; }

    /// <summary>The connection's name in <c>pg_stat_activity</c>.</summary>
    protected abstract string ConnectionName { get; }

    protected abstract TimeSpan ReconcileInterval { get; }

    /// <summary>What the notifications are about, for the log: "Revocation notifications", say.</summary>
    protected abstract string Subject { get; }

    /// <summary>What holds while they are heard, and what happens while they are cut off, for the log.</summary>
    protected abstract (string Heard, string CutOff) Effects { get; }

    protected virtual bool Enabled => true;

    /// <summary>Once the connection listens: what committed before it did.</summary>
    protected abstract Task ListeningAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    protected abstract Task ReconcileAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    /// <summary>One notification's payload; called on the connection's thread while it waits.</summary>
    protected abstract void Heard(string payload);

    /// <summary>From now on notifications may be missed: nothing may be answered from memory until listening again.</summary>
    protected abstract void MarkStale();

    /// <summary>Reconciles at the next wake-up (a notification was not understood, say).</summary>
    protected void ReconcileSoon() => reconcileNow = true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
        {
            Pooling = false,
            ApplicationName = ConnectionName,
        }.WithQuickKeepAlive().ConnectionString;
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Heard(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {ListenChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                await ListeningAsync(connection, stoppingToken);
                logger.LogInformation("{Subject} are heard{Again}; {Effect}", Subject, failing ? " again" : "", Effects.Heard);
                failing = false;

                var last = clock.GetTimestamp();
                while (true)
                {
                    var left = ReconcileInterval - clock.GetElapsedTime(last);
                    var heard = left > TimeSpan.Zero && await connection.WaitAsync(left, stoppingToken);
                    if (!heard || reconcileNow)
                    {
                        reconcileNow = false;
                        await ReconcileAsync(connection, stoppingToken);
                        last = clock.GetTimestamp();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                MarkStale();
                if (!failing)
                {
                    logger.LogWarning("{Subject} are cut off ({Reason}); until they are back, {Effect}", Subject, e.Message, Effects.CutOff);
                    failing = true;
                }
            }

            try
            {
                await Task.Delay(RetryDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        MarkStale();
        await base.StopAsync(cancellationToken);
    }
}
