using System.Collections.Concurrent;
using System.Threading.Channels;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Pipelines running on this server, each with a token that a cancel or delete trips: at once when the request
/// reaches this server; when it reached another one, as soon as the database's notification of the job's changed view
/// arrives (<see cref="JobViewListener"/> calls <see cref="Changed"/> for a view it says is deleted or asked to cancel:
/// the pipeline's own commits cost no read), the view is read and a requested cancel trips the token. While
/// notifications are not heard (<see cref="Stale"/>) each running job's view is read every <see cref="PollInterval"/>
/// instead; while they are, an idle job costs nothing.
/// </summary>
internal sealed class JobCancellationRegistry(IServiceScopeFactory scopes, ILogger<JobCancellationRegistry> logger) : IJobCancellation
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, Entry> running = new();
    private volatile bool listening;

    /// <summary>Whether other servers' changes are heard as notifications (no polling).</summary>
    internal bool Listening => listening;

    public IJobWatch Watch(string jobId)
    {
        var entry = new Entry();
        running[jobId] = entry;
        _ = WatchAsync(jobId, entry);
        return new Registration(this, jobId, entry);
    }

    public bool Signal(string jobId)
    {
        if (!running.TryGetValue(jobId, out var entry))
        {
            return false;
        }

        entry.Cancel.Cancel();
        return true;
    }

    /// <summary>Some server stored the job's view: if this server runs the job, look at it now.</summary>
    public void Changed(string jobId)
    {
        if (running.TryGetValue(jobId, out var entry))
        {
            entry.Nudge.Writer.TryWrite(true);
        }
    }

    /// <summary>Notifications are heard from now on; what changed before may have been missed, so every running job is looked at once.</summary>
    public void Heard()
    {
        listening = true;
        NudgeAll();
    }

    /// <summary>Notifications may be missed from now on: running jobs are polled until <see cref="Heard"/>.</summary>
    public void Stale()
    {
        listening = false;
        NudgeAll();
    }

    private void NudgeAll()
    {
        foreach (var entry in running.Values)
        {
            entry.Nudge.Writer.TryWrite(true);
        }
    }

    private async Task WatchAsync(string jobId, Entry entry)
    {
        var stop = entry.Stop.Token;
        try
        {
            while (!stop.IsCancellationRequested && !entry.Cancel.IsCancellationRequested)
            {
                var nudged = entry.Nudge.Reader.WaitToReadAsync(stop).AsTask();
                if (listening)
                {
                    await nudged;
                }
                else
                {
                    await Task.WhenAny(nudged, Task.Delay(PollInterval, stop));
                }

                stop.ThrowIfCancellationRequested();
                var heard = entry.Nudge.Reader.TryRead(out _);
                if (await CheckAsync(jobId, entry.Cancel, stop))
                {
                    logger.LogInformation(
                        "Job {JobId} was cancelled or deleted through another server; heard {HeardBy}", jobId, heard ? "by notification" : "by polling");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The pipeline ended.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Watching job {JobId} for cancellation failed; only this server's own cancel requests will reach it", jobId);
        }
    }

    /// <summary>Reads the job's view; true when it says to stop, and the pipeline's token has been tripped.</summary>
    private async Task<bool> CheckAsync(string jobId, CancellationTokenSource cancel, CancellationToken stop)
    {
        JobView? view;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            view = await scope.ServiceProvider.GetRequiredService<IReadModels>().LoadAsync<JobView>(JobStream.For(jobId), stop);
        }
        catch (Exception e) when (Persistence.DatabaseAvailability.IsUnavailable(e))
        {
            // The job runs on while the database is away; its cancel is seen once it is back.
            return false;
        }

        if (view is null || view.CancellationRequested || view.Deleted)
        {
            await cancel.CancelAsync();
            return true;
        }

        return false;
    }

    private sealed class Entry
    {
        public CancellationTokenSource Cancel { get; } = new();

        public CancellationTokenSource Stop { get; } = new();

        public Channel<bool> Nudge { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    }

    private sealed class Registration(JobCancellationRegistry registry, string jobId, Entry entry) : IJobWatch
    {
        public CancellationToken Cancelled => entry.Cancel.Token;

        public void Dispose()
        {
            registry.running.TryRemove(new KeyValuePair<string, Entry>(jobId, entry));
            entry.Stop.Cancel();
            entry.Stop.Dispose();
            entry.Cancel.Dispose();
        }
    }
}
