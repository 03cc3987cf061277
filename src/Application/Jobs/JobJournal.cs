using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The pipeline's record of a running job: each step is decided by the <see cref="Job"/> (a step out of order, or after
/// the job ended, is refused and throws <see cref="JobStepRefused"/>), applied to it, and appended and committed as it
/// happens, so the job view and
/// its live stream (<c>GET /jobs/{id}/stream</c>) follow the agent message by message. While the database is
/// unreachable the facts are kept, in order, and stored together once it answers again (tried at most every
/// few seconds); the agent is never held up or stopped for it. <see cref="FlushAsync"/> waits until all are stored.
/// </summary>
public sealed class JobJournal(IEventStore store, Job job, string node, TimeProvider clock) : IAgentObserver
{
    public static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(4);

    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<object> unsaved = [];
    private DateTimeOffset retryAt = DateTimeOffset.MinValue;
    private TimeSpan pause = TimeSpan.Zero;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The job as the pipeline has made it so far.</summary>
    public Job Job => job;

    /// <summary>Asks the job to decide a step, and records what it decided (stored now, with any noted before it).</summary>
    public Task RecordAsync(Func<Job, DateTimeOffset, Result<object>> decide) => DecideAsync(decide, storeNow: true);

    /// <summary>
    /// Asks the job to decide a step that another follows at once (the prompt resolved before the agent starts, say):
    /// applied now, stored with the next recorded fact, in order — one commit fewer, and no watcher waits on it alone.
    /// </summary>
    public Task NoteAsync(Func<Job, DateTimeOffset, Result<object>> decide) => DecideAsync(decide, storeNow: false);

    private async Task DecideAsync(Func<Job, DateTimeOffset, Result<object>> decide, bool storeNow)
    {
        await gate.WaitAsync();
        try
        {
            var decision = decide(job, Now);
            if (!decision.IsSuccess)
            {
                throw new JobStepRefused(decision.Error);
            }

            job.Evolve(decision.Value);
            unsaved.Add(decision.Value);
            if (storeNow && Now >= retryAt)
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
        store.Append(JobStream.For(job.JobId), [.. unsaved]);
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
        RecordAsync((job, now) => job.RecordAgentStarted(processId, processStartTicks, node, now));

    public Task SessionStartedAsync(string sessionId, string? model) => RecordAsync((job, now) => job.RecordSession(sessionId, model, now));

    public Task ToolUsedAsync(string tool, string summary) => RecordAsync((job, now) => job.RecordToolUse(tool, summary, now));

    public Task SaidAsync(string text) => RecordAsync((job, now) => job.RecordSaid(text, now));

    public Task ToolReturnedAsync(bool isError, string summary) => RecordAsync((job, now) => job.RecordToolReturn(isError, summary, now));
}

/// <summary>The job refused a step of its pipeline: the steps came out of order, or the job had already ended.</summary>
public sealed class JobStepRefused(DomainError error) : Exception(error.Message)
{
    public DomainError Error { get; } = error;
}
