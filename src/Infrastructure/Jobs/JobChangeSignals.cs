using System.Collections.Concurrent;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten;
using Marten.Services;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// A Marten commit listener that wakes the watchers of every job stream the commit appended to, so a live stream
/// sees an event as soon as it is stored; changes made by another server wake them through <see cref="Signal"/>, called
/// by <see cref="JobViewListener"/> for each notification of a stored view (while those are not heard, watchers poll).
/// </summary>
internal sealed class JobChangeSignals : DocumentSessionListenerBase, IJobChanges
{
    private static readonly string Prefix = JobStream.For("");
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiting = new();
    private volatile bool hearing;

    /// <summary>Whether a watcher is registered for the job's next commit.</summary>
    internal bool IsWatched(string jobId) => waiting.ContainsKey(jobId);

    public Task NextChangeAsync(string jobId) =>
        waiting.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(string jobId, Task signal)
    {
        if (waiting.TryGetValue(jobId, out var current) && current.Task == signal && waiting.TryRemove(KeyValuePair.Create(jobId, current)))
        {
            // Another watcher of the job may be waiting on the same signal: woken, it reads once more and registers
            // afresh, instead of sleeping until its fallback poll through changes no signal could reach it for.
            current.TrySetResult();
        }
    }

    public bool HearsOtherNodes => hearing;

    /// <summary>Whether other servers' commits arrive through <see cref="Signal"/>.</summary>
    internal void Hearing(bool heard) => hearing = heard;

    /// <summary>Some server committed to the job's stream: wake its watchers.</summary>
    internal void Signal(string jobId)
    {
        if (waiting.TryRemove(jobId, out var signal))
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Changes may have been missed (other servers' commits went unheard for a while): every watcher reads again.</summary>
    internal void SignalAll()
    {
        foreach (var jobId in waiting.Keys)
        {
            Signal(jobId);
        }
    }

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var key in commit.GetEvents().Select(e => e.StreamKey).Distinct())
        {
            if (key is not null && key.StartsWith(Prefix, StringComparison.Ordinal) && waiting.TryRemove(key[Prefix.Length..], out var signal))
            {
                signal.TrySetResult();
            }
        }

        return Task.CompletedTask;
    }
}
