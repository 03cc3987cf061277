using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The pipeline's record of a running job: each fact is appended and committed as it happens, so the job view and
/// its live stream (<c>GET /jobs/{id}/stream</c>) follow the agent message by message.
/// </summary>
public sealed class JobJournal(IEventStore store, string jobId, string node, TimeProvider clock) : IAgentObserver
{
    private readonly SemaphoreSlim gate = new(1, 1);

    public DateTimeOffset Now => clock.GetUtcNow();

    public async Task RecordAsync(object fact)
    {
        await gate.WaitAsync();
        try
        {
            store.Append(JobStream.For(jobId), fact);
            // A fact about a job must be stored even while the job itself is being cancelled.
            await store.SaveChangesAsync(CancellationToken.None);
        }
        finally
        {
            gate.Release();
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
