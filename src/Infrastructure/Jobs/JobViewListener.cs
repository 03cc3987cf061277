using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Tells this server of every job view any server stores: running jobs' cancels (<see cref="JobCancellationRegistry"/>)
/// and live streams (<see cref="JobChangeSignals"/>) hear of other servers' commits at once, and it keeps
/// <see cref="JobViewCache"/> current across servers. On a dedicated connection it listens on
/// <see cref="Channel"/> (a trigger on the job view table notifies it with each stored view's id and version when the
/// transaction commits, whichever server wrote it); once it listens the cache may answer, and from then on each
/// notification drops the view it names unless the cache already holds that version. Every
/// <c>Jobs:ViewCacheReconcileSeconds</c> it compares the cached versions with the stored ones, in case a notification
/// was missed. When the connection drops the cache is emptied and stops answering (reads go to the database) until a
/// new connection listens.
/// </summary>
internal sealed class JobViewListener(
    JobViewCache cache,
    JobCancellationRegistry cancellation,
    JobChangeSignals changes,
    IConfiguration configuration,
    JobsOptions jobs,
    TimeProvider clock,
    ILogger<JobViewListener> logger) : PostgresListener(configuration, clock, logger)
{
    public const string Channel = "claudebatch_job_views";

    /// <summary>Names the connection in <c>pg_stat_activity</c>, with the process id (tests cut it to see the cache go stale).</summary>
    public static string ApplicationName(int processId) => $"claude-batch job views {processId}";

    private const string Stored = $"SELECT id, mt_version FROM {MartenQueuePosition.Views} WHERE id = ANY($1)";

    protected override string ListenChannel => Channel;

    protected override string ConnectionName => ApplicationName(Environment.ProcessId);

    protected override TimeSpan ReconcileInterval => TimeSpan.FromSeconds(jobs.ViewCacheReconcileSeconds);

    protected override string Subject => "Job view notifications";

    protected override (string Heard, string CutOff) Effects =>
        ("unchanged job views are served from memory, other servers' cancels and changes are heard at once",
         "every job read asks the database, running jobs and live streams poll for other servers' changes");

    /// <summary>Listening first: every change committed from now on is heard; the cache starts empty.</summary>
    protected override Task ListeningAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        cache.Listening();
        changes.Hearing(true);
        changes.SignalAll();
        cancellation.Heard();
        return Task.CompletedTask;
    }

    protected override void MarkStale()
    {
        cache.MarkStale();
        changes.Hearing(false);
        // Watchers asleep for the long interval of heard changes go back to polling now.
        changes.SignalAll();
        cancellation.Stale();
    }

    /// <summary>The cached versions against the stored ones: a view that changed or went is dropped.</summary>
    protected override async Task ReconcileAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
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
    protected override void Heard(string payload)
    {
        try
        {
            var changed = JsonSerializer.Deserialize<Notified>(payload, JsonSerializerOptions.Web);
            switch (changed)
            {
                case { Id.Length: > 0, Version: { } version }:
                    cache.Changed(changed.Id, version);
                    Tell(changed.Id, changed.Stop);
                    return;
                case { Id.Length: > 0 }:
                    cache.Removed(changed.Id);
                    Tell(changed.Id, true);
                    return;
                case { Id: null, Version: null, Truncated: true }:
                    cache.Reset();
                    changes.SignalAll();
                    cancellation.Heard();
                    return;
            }
        }
        catch (JsonException)
        {
        }

        // Not understood: which view changed is unknown, so none can be trusted.
        logger.LogWarning("A job view notification was not understood: {Payload}", payload);
        cache.Reset();
        changes.SignalAll();
        cancellation.Heard();
    }

    /// <summary>
    /// The job whose view changed: its watchers wake, and if it runs here its cancel is checked, unless the notification
    /// says it is neither deleted nor asked to stop (<paramref name="stop"/> false; null from a trigger that does not say).
    /// </summary>
    private void Tell(string viewId, bool? stop)
    {
        if (viewId.StartsWith(JobPrefix, StringComparison.Ordinal))
        {
            var jobId = viewId[JobPrefix.Length..];
            if (stop is not false)
            {
                cancellation.Changed(jobId);
            }

            changes.Signal(jobId);
        }
    }

    private static readonly string JobPrefix = Domain.Jobs.JobStream.For("");

    private sealed record Notified(string? Id, long? Version, bool Truncated, bool? Stop);
}
