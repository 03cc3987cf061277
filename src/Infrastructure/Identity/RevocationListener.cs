using System.Text.Json;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
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
    ILogger<RevocationListener> logger) : PostgresListener(configuration, clock, logger)
{
    public const string Channel = "claudebatch_revocations";

    /// <summary>Names the connection in <c>pg_stat_activity</c>, with the process id (tests cut it to see the reload).</summary>
    public static string ApplicationName(int processId) => $"claude-batch revocations {processId}";

    private static readonly string Stored =
        $"SELECT id, data ->> 'expiresAt' FROM {PersistenceRegistration.SchemaName}.mt_doc_revokedtoken " +
        $"WHERE {PersistenceRegistration.SchemaName}.mt_immutable_timestamptz(data ->> 'expiresAt') > $1";

    protected override string ListenChannel => Channel;

    protected override string ConnectionName => ApplicationName(Environment.ProcessId);

    protected override TimeSpan ReconcileInterval => TimeSpan.FromSeconds(auth.RevocationReconcileSeconds);

    protected override string Subject => "Revocation notifications";

    protected override (string Heard, string CutOff) Effects =>
        ("revoked tokens are checked in memory", "every request asks the database");

    /// <summary>Listening first: what commits from now on is heard, what committed before is read.</summary>
    protected override Task ListeningAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        LoadAsync(connection, cancellationToken);

    /// <summary>All of them again, in case one was missed.</summary>
    protected override Task ReconcileAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        LoadAsync(connection, cancellationToken);

    protected override void MarkStale() => list.MarkStale();

    private async Task LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var stored = new List<(string, DateTimeOffset)>();
        await using (var command = new NpgsqlCommand(Stored, connection))
        {
            // Generously before now: the list itself drops what is past its token's expiry and clock skew.
            command.Parameters.Add(new NpgsqlParameter { Value = Clock.GetUtcNow().AddHours(-1) });
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
    protected override void Heard(string payload)
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
        ReconcileSoon();
    }

    private sealed record Notified(string Id, DateTimeOffset ExpiresAt);
}
