using System.Globalization;
using System.Text.Json;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Keeps <see cref="AccessTokenCache"/> current across servers, as <see cref="RevocationListener"/> does the revoked
/// login tokens: it listens on <see cref="Channel"/> (a trigger on the access-token table notifies it when a token is
/// made or revoked, with the commit, whichever server wrote it), then loads every token that has not expired, and adds
/// each notification as it arrives. Every <c>Auth:RevocationReconcileSeconds</c> it reads them all again. While the
/// connection is down the cache is stale and every request presenting an access token asks the database.
/// </summary>
internal sealed class AccessTokenListener(
    AccessTokenCache cache,
    IConfiguration configuration,
    AuthOptions auth,
    TimeProvider clock,
    ILogger<AccessTokenListener> logger) : PostgresListener(configuration, clock, logger)
{
    public const string Channel = "claudebatch_access_tokens";

    /// <summary>Names the connection in <c>pg_stat_activity</c>, with the process id (tests cut it to see the reload).</summary>
    public static string ApplicationName(int processId) => $"claude-batch access tokens {processId}";

    private static readonly string Stored =
        $"SELECT data ->> 'tokenHash', id, data ->> 'username', data ->> 'expiresAt', data ->> 'revokedAt', (data ->> 'uid')::int " +
        $"FROM {AccessTokenNotifyTrigger.AccessTokens} " +
        $"WHERE {PersistenceRegistration.SchemaName}.mt_immutable_timestamptz(data ->> 'expiresAt') > $1";

    protected override string ListenChannel => Channel;

    protected override string ConnectionName => ApplicationName(Environment.ProcessId);

    protected override TimeSpan ReconcileInterval => TimeSpan.FromSeconds(auth.RevocationReconcileSeconds);

    protected override string Subject => "Access token notifications";

    protected override (string Heard, string CutOff) Effects =>
        ("access tokens are checked in memory", "every request with an access token asks the database");

    protected override Task ListeningAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        LoadAsync(connection, cancellationToken);

    protected override Task ReconcileAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        LoadAsync(connection, cancellationToken);

    protected override void MarkStale() => cache.MarkStale();

    private async Task LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var stored = new List<(string, AccessTokenGrant)>();
        await using (var command = new NpgsqlCommand(Stored, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Clock.GetUtcNow() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(0) && !reader.IsDBNull(2) && !reader.IsDBNull(5)
                    && DateTimeOffset.TryParse(reader.GetString(3), CultureInfo.InvariantCulture, out var expiresAt))
                {
                    stored.Add((reader.GetString(0), new AccessTokenGrant(
                        reader.GetString(1), reader.GetString(2), reader.GetInt32(5), expiresAt, Revoked: !reader.IsDBNull(4))));
                }
            }
        }

        cache.Load(stored);
    }

    /// <summary>A notification's payload, as the trigger writes it: <c>{"id", "username", "uid", "tokenHash", "expiresAt", "revoked"}</c>.</summary>
    protected override void Heard(string payload)
    {
        try
        {
            var token = JsonSerializer.Deserialize<Notified>(payload, JsonSerializerOptions.Web);
            if (token is { Id.Length: > 0, Username.Length: > 0, TokenHash.Length: > 0 })
            {
                cache.Add(token.TokenHash, new AccessTokenGrant(token.Id, token.Username, token.Uid, token.ExpiresAt, token.Revoked));
                return;
            }
        }
        catch (JsonException)
        {
        }

        // Not understood (and not logged: it holds a token's hash): read them all again, right away.
        logger.LogWarning("An access token notification was not understood; reading every access token again");
        cache.MarkStale();
        ReconcileSoon();
    }

    private sealed record Notified(string Id, string Username, int Uid, string TokenHash, DateTimeOffset ExpiresAt, bool Revoked);
}
