using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The pipeline's record of a running job: each fact is appended and committed as it happens, so the job view is
/// live. Tool uses are frequent, so they are committed in batches (at most one commit a second).
/// </summary>
public sealed class JobJournal(IEventStore store, string jobId, string node, TimeProvider clock) : IAgentObserver
{
    private static readonly TimeSpan ToolBatchWindow = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<object> pendingTools = [];
    private DateTimeOffset lastFlush = DateTimeOffset.MinValue;

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task RecordAsync(object fact)
    {
        await gate.WaitAsync();
        try
        {
            store.Append(JobStream.For(jobId), [.. pendingTools, fact]);
            pendingTools.Clear();
            await CommitAsync();
        }
        finally
        {
            gate.Release();
        }
    }

    public Task StartedAsync(int processId, long processStartTicks) =>
        RecordAsync(new AgentStarted(jobId, processId, processStartTicks, node, Now));

    public Task SessionStartedAsync(string sessionId, string? model) => RecordAsync(new AgentSessionStarted(jobId, sessionId, model, Now));

    public async Task ToolUsedAsync(string tool, string summary)
    {
        await gate.WaitAsync();
        try
        {
            pendingTools.Add(new AgentToolUsed(jobId, tool, summary, Now));
            if (Now - lastFlush >= ToolBatchWindow)
            {
                store.Append(JobStream.For(jobId), [.. pendingTools]);
                pendingTools.Clear();
                await CommitAsync();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task CommitAsync()
    {
        // A fact about a job must be stored even while the job itself is being cancelled.
        await store.SaveChangesAsync(CancellationToken.None);
        lastFlush = Now;
    }
}
