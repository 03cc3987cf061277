using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The pipeline's record of a running job: each fact is appended and committed as it happens, so the job view and
/// its live stream (<c>GET /jobs/{id}/stream</c>) follow the agent message by message. While the database is
/// unreachable the facts are kept, in order, and stored together once it answers again (tried at most every
/// few seconds); the agent is never held up or stopped for it. <see cref="FlushAsync"/> waits until all are stored.
/// </summary>
public sealed class JobJournal(IEventStore store, string jobId, string node, TimeProvider clock) : IAgentObserver
{
    public static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(4);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<object> unsaved = [];
    private DateTimeOffset retryAt = DateTimeOffset.MinValue;
    private TimeSpan pause = TimeSpan.Zero;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Facts recorded but not yet stored (the database was unreachable).</summary>
    public int Unsaved => unsaved.Count;

    public async Task RecordAsync(object fact)
    {
        await gate.WaitAsync();
        try
        {
            unsaved.Add(fact);
            if (Now >= retryAt)
            {
                await TrySaveAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Returns once every recorded fact is stored, retrying while the database is unreachable.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (unsaved.Count == 0 || await TrySaveAsync())
                {
                    return;
                }
            }
            finally
            {
                gate.Release();
            }

            await Task.Delay(pause, clock, cancellationToken);
        }
    }

    private async Task<bool> TrySaveAsync()
    {
        store.Append(JobStream.For(jobId), [.. unsaved]);
        try
        {
            // A fact about a job must be stored even while the job itself is being cancelled.
            await store.SaveChangesAsync(CancellationToken.None);
            unsaved.Clear();
            (retryAt, pause) = (DateTimeOffset.MinValue, TimeSpan.Zero);
            return true;
        }
        catch (StoreUnavailableException)
        {
            pause = pause == TimeSpan.Zero ? FirstRetryPause : TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks));
            retryAt = Now + pause;
            return false;
        }
        catch
        {
            unsaved.Clear();
            throw;
        }
    }

    public Task StartedAsync(int processId, long processStartTicks) =>
        RecordAsync(new AgentStarted(jobId, processId, processStartTicks, node, Now));

    public Task SessionStartedAsync(string sessionId, string? model) => RecordAsync(new AgentSessionStarted(jobId, sessionId, model, Now));

    public Task ToolUsedAsync(string tool, string summary) => RecordAsync(new AgentToolUsed(jobId, tool, summary, Now));

    public Task SaidAsync(string text) =>
        RecordAsync(new AgentSaid(jobId, text.Length > AgentSaid.MaxLength ? text[..AgentSaid.MaxLength] + "…" : text, Now));

    public Task ToolReturnedAsync(bool isError, string summary) => RecordAsync(new AgentToolReturned(jobId, isError, summary, Now));
}
