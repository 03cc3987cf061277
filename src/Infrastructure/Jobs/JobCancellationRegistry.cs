using System.Collections.Concurrent;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Pipelines running on this server, each with a token that a cancel or delete trips: at once when the request
/// reaches this server, within <see cref="PollInterval"/> when it reached another one (seen in the job's view).
/// </summary>
internal sealed class JobCancellationRegistry(IServiceScopeFactory scopes, ILogger<JobCancellationRegistry> logger) : IJobCancellation
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> running = new();

    public IJobWatch Watch(string jobId)
    {
        var cancel = new CancellationTokenSource();
        running[jobId] = cancel;
        var stopPolling = new CancellationTokenSource();
        _ = PollAsync(jobId, cancel, stopPolling.Token);
        return new Registration(this, jobId, cancel, stopPolling);
    }

    public bool Signal(string jobId)
    {
        if (!running.TryGetValue(jobId, out var cancel))
        {
            return false;
        }

        cancel.Cancel();
        return true;
    }

    private async Task PollAsync(string jobId, CancellationTokenSource cancel, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested && !cancel.IsCancellationRequested)
            {
                await Task.Delay(PollInterval, stop);
                JobView? view;
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    view = await scope.ServiceProvider.GetRequiredService<IReadModels>().LoadAsync<JobView>(JobStream.For(jobId), stop);
                }
                catch (Exception e) when (Persistence.DatabaseAvailability.IsUnavailable(e))
                {
                    // The job runs on while the database is away; its cancel is seen once it is back.
                    continue;
                }

                if (view is null || view.CancellationRequested || view.Deleted)
                {
                    await cancel.CancelAsync();
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

    private sealed class Registration(
        JobCancellationRegistry registry, string jobId, CancellationTokenSource cancel, CancellationTokenSource stopPolling) : IJobWatch
    {
        public CancellationToken Cancelled => cancel.Token;

        public void Dispose()
        {
            registry.running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(jobId, cancel));
            stopPolling.Cancel();
            stopPolling.Dispose();
            cancel.Dispose();
        }
    }
}
