using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Keeps <see cref="JobViewCache"/> current across servers. On a dedicated connection it listens on
/// <see cref="Channel"/> (a trigger on the job view table notifies it with each stored view's id and version when the
/// transaction commits, whichever server wrote it); once it listens the cache may answer, and from then on each
/// notification drops the view it names unless the cache already holds that version. Every
/// <c>Jobs:ViewCacheReconcileSeconds</c> it compares the cached versions with the stored ones, in case a notification
/// was missed. When the connection drops the cache is emptied and stops answering (reads go to the database) until a
/// new connection listens.
/// </summary>
internal sealed class JobViewListener(
    JobViewCache cache,
    IConfiguration configuration,
    JobsOptions jobs,
    TimeProvider clock,
    ILogger<JobViewListener> logger) : BackgroundService
{
    public const string Channel = "claudebatch_job_views";

    /// <summary>Names the connection in <c>pg_stat_activity</c>, with the process id (tests cut it to see the cache go stale).</summary>
    public static string ApplicationName(int processId) => $"claude-batch job views {processId}";

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private const string Stored = $"SELECT id, mt_version FROM {MartenQueuePosition.Views} WHERE id = ANY($1)";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!cache.Enabled)
        {
            return;
        }

        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres"))
        {
            Pooling = false,
            // A connection that died without a word is noticed while waiting for notifications.
            KeepAlive = 5,
            ApplicationName = ApplicationName(Environment.ProcessId),
        }.ConnectionString;
        var reconcile = TimeSpan.FromSeconds(jobs.ViewCacheReconcileSeconds);
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

                // Listening first: every change committed from now on is heard; the cache starts empty.
                cache.Listening();
                logger.LogInformation("Job view notifications are heard{Again}; unchanged job views are served from memory", failing ? " again" : "");
                failing = false;

                var last = clock.GetTimestamp();
                while (true)
                {
                    var left = reconcile - clock.GetElapsedTime(last);
                    if (left <= TimeSpan.Zero || !await connection.WaitAsync(left, stoppingToken))
                    {
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
                cache.MarkStale();
                if (!failing)
                {
                    logger.LogWarning(
                        "Job view notifications are cut off ({Reason}); until they are back, every job read asks the database", e.Message);
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
        cache.MarkStale();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>The cached versions against the stored ones: a view that changed or went is dropped.</summary>
    private async Task ReconcileAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var cached = cache.Snapshot();
        if (cached.Count == 0)
        {
            return;
        }

        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(Stored, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = cached.Select(c => c.Id).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        foreach (var (id, version) in cached)
        {
            if (!stored.TryGetValue(id, out var now))
            {
                cache.Removed(id);
            }
            else if (now != version)
            {
                cache.Changed(id, now);
            }
        }
    }

    /// <summary>A notification's payload, as the trigger writes it: <c>{"id": …, "version": …}</c>, version null when the row was deleted, <c>{}</c> when the table was emptied.</summary>
    private void Heard(string payload)
    {
        try
        {
            var changed = JsonSerializer.Deserialize<Notified>(payload, JsonSerializerOptions.Web);
            switch (changed)
            {
                case { Id.Length: > 0, Version: { } version }:
                    cache.Changed(changed.Id, version);
                    return;
                case { Id.Length: > 0 }:
                    cache.Removed(changed.Id);
                    return;
                case { Id: null, Version: null, Truncated: true }:
                    cache.Reset();
                    return;
            }
        }
        catch (JsonException)
        {
        }

        // Not understood: which view changed is unknown, so none can be trusted.
        logger.LogWarning("A job view notification was not understood: {Payload}", payload);
        cache.Reset();
    }

    private sealed record Notified(string? Id, long? Version, bool Truncated);
}
