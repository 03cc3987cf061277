using System.Collections.Concurrent;
using System.Globalization;
using ClaudeBatch.Application.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Writes each access token's <c>lastUsedAt</c> at most once per <see cref="Interval"/> from this server, in the
/// background: a request only notes the time in memory. The update skips a token another server recorded within the
/// interval too, and a failed write is simply left to the token's next use.
/// </summary>
internal sealed class AccessTokenUseRecorder(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<AccessTokenUseRecorder> logger)
    : BackgroundService, IAccessTokenUse
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private static readonly string Update =
        $"UPDATE {Persistence.AccessTokenNotifyTrigger.AccessTokens} AS t " +
        "SET data = jsonb_set(t.data, '{lastUsedAt}', to_jsonb(u.at)) " +
        "FROM unnest($1::text[], $2::text[]) AS u(id, at) " +
        "WHERE t.id = u.id AND (t.data ->> 'lastUsedAt' IS NULL OR " +
        $"{Persistence.PersistenceRegistration.SchemaName}.mt_immutable_timestamptz(t.data ->> 'lastUsedAt') " +
        $"< {Persistence.PersistenceRegistration.SchemaName}.mt_immutable_timestamptz(u.at) - interval '50 seconds')";

    /// <summary>When this server last took a use of each token to record (uses within the interval after it are not).</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> recorded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim wake = new(0);

    public void Record(string tokenId, DateTimeOffset at)
    {
        if (!TakeToRecord(tokenId, at))
        {
            return;
        }

        pending[tokenId] = at;
        wake.Release();
    }

    /// <summary>Whether this use is the first one in <see cref="Interval"/> (it is then the one written).</summary>
    public bool TakeToRecord(string tokenId, DateTimeOffset at)
    {
        while (true)
        {
            if (!recorded.TryGetValue(tokenId, out var last))
            {
                if (recorded.TryAdd(tokenId, at))
                {
                    return true;
                }
            }
            else if (at - last < Interval)
            {
                return false;
            }
            else if (recorded.TryUpdate(tokenId, at, last))
            {
                return true;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var batch = pending.Keys.Select(id => pending.TryRemove(id, out var at) ? (id, at) : default).Where(u => u.id is not null).ToList();
            if (batch.Count > 0)
            {
                await WriteAsync(batch, stoppingToken);
            }

            Forget();
        }
    }

    private async Task WriteAsync(List<(string Id, DateTimeOffset At)> batch, CancellationToken stoppingToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(Update);
            command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(u => u.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(u => u.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).ToArray() });
            await command.ExecuteNonQueryAsync(stoppingToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning("The last use of {Count} access tokens was not recorded: {Reason}", batch.Count, e.Message);
            foreach (var (id, _) in batch)
            {
                recorded.TryRemove(id, out _);
            }
        }
    }

    /// <summary>Tokens not used for an interval need no entry: their next use is recorded either way.</summary>
    private void Forget()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, at) in recorded)
        {
            if (now - at >= Interval)
            {
                recorded.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, at));
            }
        }
    }
}
