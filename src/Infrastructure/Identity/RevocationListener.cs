using System.Text.Json;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Keeps <see cref="RevocationList"/> current across servers. On a dedicated connection it listens on
/// <see cref="Channel"/> (a trigger on the revoked-token table notifies it with each revocation's commit, whichever
/// server stored it), then loads every revocation whose token has not expired, and from then on adds each notification
/// as it arrives. Every <c>Auth:RevocationReconcileSeconds</c> it reads them all again, in case one was missed. When the
/// connection drops the list is marked stale (requests ask the database) until a new connection listens and has
/// loaded them all again.
/// </summary>
internal sealed class RevocationListener(
    RevocationList list,
    IConfiguration configuration,
    AuthOptions auth,
    TimeProvider clock,
    ILogger<RevocationListener> logger) : BackgroundService
{
    public const string Channel = "claudebatch_revocations";

    /// <summary>Names the connection in <c>pg_stat_activity</c>, with the process id (tests cut it to see the reload).</summary>
    public static string ApplicationName(int processId) => $"claude-batch revocations {processId}";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private volatile bool reloadNow;

    private static readonly string Stored =
        $"SELECT id, data ->> 'expiresAt' FROM {PersistenceRegistration.SchemaName}.mt_doc_revokedtoken " +
        $"WHERE {PersistenceRegistration.SchemaName}.mt_immutable_timestamptz(data ->> 'expiresAt') > $1";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
        {
            Pooling = false,
            // A connection that died without a word is noticed while waiting for notifications.
            KeepAlive = 5,
            ApplicationName = ApplicationName(Environment.ProcessId),
        }.ConnectionString;
        var reconcile = TimeSpan.FromSeconds(auth.RevocationReconcileSeconds);
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Heard(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Listening first: what commits from now on is heard, what committed before is read.
                await LoadAsync(connection, stoppingToken);
                if (failing)
                {
                    logger.LogInformation("Revocation notifications are heard again; revoked tokens are checked in memory");
                    failing = false;
                }

                var last = clock.GetTimestamp();
                while (true)
                {
                    var left = reconcile - clock.GetElapsedTime(last);
                    var heard = left > TimeSpan.Zero && await connection.WaitAsync(left, stoppingToken);
                    if (!heard || reloadNow)
                    {
                        reloadNow = false;
                        await LoadAsync(connection, stoppingToken);
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
                list.MarkStale();
                if (!failing)
                {
                    logger.LogWarning(
                        "Revocation notifications are cut off ({Reason}); until they are back, every request asks the database",
                        e.Message);
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
        list.MarkStale();
        await base.StopAsync(cancellationToken);
    }

    private async Task LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var stored = new List<(string, DateTimeOffset)>();
        await using (var command = new NpgsqlCommand(Stored, connection))
        {
            // Generously before now: the list itself drops what is past its token's expiry and clock skew.
            command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow().AddHours(-1) });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (DateTimeOffset.TryParse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture, out var expiresAt))
                {
                    stored.Add((reader.GetString(0), expiresAt));
                }
            }
        }

        list.Load(stored);
    }

    /// <summary>A notification's payload: <c>{"id": …, "expiresAt": …}</c>, as the trigger writes it.</summary>
    private void Heard(string payload)
    {
        try
        {
            var revoked = JsonSerializer.Deserialize<Notified>(payload, JsonSerializerOptions.Web);
            if (revoked is { Id.Length: > 0 })
            {
                list.Add(revoked.Id, revoked.ExpiresAt);
                return;
            }
        }
        catch (JsonException)
        {
        }

        // Not understood: the list cannot be trusted to hold it until it is read again from the store, right away.
        logger.LogWarning("A revocation notification was not understood: {Payload}", payload);
        list.MarkStale();
        reloadNow = true;
    }

    private sealed record Notified(string Id, DateTimeOffset ExpiresAt);
}
