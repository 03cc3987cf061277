using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Marten;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// This server's run slots (<see cref="IJobSlots"/>), given by the rule in <see cref="FairSlots"/>. A waiting job holds
/// only its place in line: no scope, session or connection, so every queued job can wait here at once. A commit to
/// its stream (a cancel or a delete, on this server) takes it out of the line at once; one made on another server is
/// seen when its turn comes, by the pipeline, which runs only a job still queued. After a start, no slot is given
/// until the jobs already waiting have been redelivered into the line (at most <see cref="SettleTime"/>): the durable
/// queue hands them back in pages, oldest first, and the first to arrive must not take the slots for that alone.
/// A job given a slot here then takes one of the slots all servers share (<see cref="ClusterJobSlots"/>), waiting
/// for it in this server's order; it may still leave the line meanwhile. With <c>Jobs:SingleNode</c> this server's slots
/// are all there are, and it takes none of the shared ones (each costs a PostgreSQL session while the job runs).
/// </summary>
internal sealed class FairJobScheduler(
    IDocumentStore store, IJobChanges changes, ClusterJobSlots cluster, JobsOptions options, TimeProvider clock,
    ILogger<FairJobScheduler> logger) : IJobSlots
{
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    private readonly FairSlots slots = new(options.MaxConcurrent, options.MaxRunningPerUser, clock);
    private int settling;

    /// <summary>Whether the job waits in line for a slot here.</summary>
    internal bool IsWaiting(string jobId) => slots.IsWaiting(jobId);

    public async Task<IAsyncDisposable?> WaitAsync(string jobId, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref settling, 1) == 0)
        {
            slots.Hold();
            _ = SettleAsync(cancellationToken);
        }

        // Taken before the job is read, so that a cancel committed meanwhile still wakes the wait.
        var changed = changes.NextChangeAsync(jobId);
        try
        {
            var job = await ReadWaitingAsync(jobId, cancellationToken);
            if (job is null)
            {
                return null;
            }

            using var leave = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var turn = TakeAsync(job.Value.Ticket, job.Value.LastServed, leave.Token);
            while (await Task.WhenAny(turn, changed) != turn)
            {
                changed = changes.NextChangeAsync(jobId);
                if (await ReadWaitingAsync(jobId, cancellationToken) is null)
                {
                    await leave.CancelAsync();
                    try
                    {
                        await (await turn).DisposeAsync();
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Out of the line, as it should be.
                    }

                    return null;
                }
            }

            return await turn;
        }
        finally
        {
            changes.Forget(jobId, changed);
        }
    }

    /// <summary>This server's slot by the fair rule, then a slot of all servers'.</summary>
    private async Task<IAsyncDisposable> TakeAsync(FairSlots.Ticket ticket, DateTimeOffset? lastServed, CancellationToken cancellationToken)
    {
        var local = await slots.WaitAsync(ticket, lastServed, cancellationToken);
        if (options.SingleNode)
        {
            // The one server on its database: its own slots are all the slots there are.
            return new Only(local);
        }

        try
        {
            return new Both(await cluster.TakeAsync(ticket.User, cancellationToken), local);
        }
        catch
        {
            local.Dispose();
            throw;
        }
    }

    /// <summary>Gives slots once as many jobs wait in line as were waiting in the record when the first one arrived.</summary>
    private async Task SettleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var deadline = clock.GetUtcNow() + SettleTime;
            int stored;
            await using (var session = store.QuerySession())
            {
                stored = await session.Query<JobView>().CountAsync(
                    j => j.Status == JobStatus.Queued && j.Node == null && !j.Deleted && !j.CancellationRequested, cancellationToken);
            }

            while (slots.Waiting < stored && clock.GetUtcNow() < deadline)
            {
                await Task.Delay(20, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Counting the jobs waiting at start failed; slots are given as jobs arrive");
        }
        catch (OperationCanceledException)
        {
            // The server stops.
        }
        finally
        {
            slots.Resume();
        }
    }

    /// <summary>The job and when its user was last served, if it still waits for a slot.</summary>
    private async Task<(FairSlots.Ticket Ticket, DateTimeOffset? LastServed)?> ReadWaitingAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var view = await session.LoadAsync<JobView>(JobStream.For(jobId), cancellationToken);
        if (view is not { Status: JobStatus.Queued, Node: null, Deleted: false, CancellationRequested: false, QueuedAt: { } queuedAt })
        {
            return null;
        }

        var served = await session.QueryAsync<DateTimeOffset>(
            $"select max(started_at) from {MartenQueuePosition.Views} where \"user\" = ? having max(started_at) is not null",
            cancellationToken, view.User);
        return (new FairSlots.Ticket(jobId, view.User, queuedAt), served.Count == 0 ? null : served[0]);
    }

    /// <summary>Lets the global slot go first, so that the job this server gives its own slot to next can take it at once.</summary>
    private sealed class Both(IAsyncDisposable global, IDisposable local) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await global.DisposeAsync();
            }
            finally
            {
                local.Dispose();
            }
        }
    }

    private sealed class Only(IDisposable local) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            local.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
