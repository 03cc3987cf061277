using System.Runtime.CompilerServices;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>One entry of a job's live stream: a stored event with the status the job had after it.</summary>
/// <param name="Id">The event's version in the job's stream (increasing; what <c>Last-Event-ID</c> resumes from). 0 for a heartbeat.</param>
/// <param name="Kind"><c>status</c> when the event changed the job's status, <c>message</c> for the agent's messages, <c>step</c> otherwise, <c>heartbeat</c> when idle.</param>
public sealed record JobUpdate(long Id, string Kind, string? Type, JobStatus Status, JobStatus? PreviousStatus, DateTimeOffset At, object? Data)
{
    public const string StatusKind = "status";
    public const string MessageKind = "message";
    public const string StepKind = "step";
    public const string HeartbeatKind = "heartbeat";
}

/// <summary>
/// Follows a job: every event after <see cref="AfterVersion"/> from its stream, then the live tail, until the job
/// ends (a finished job replays and ends). The caller checks that the job is the user's before streaming.
/// </summary>
public sealed record WatchJob(string JobId, long AfterVersion, TimeSpan Heartbeat) : IStreamQuery<JobUpdate>
{
    /// <summary>How often the stream is read again when no change was signalled and other servers' changes are not heard.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often it is read again anyway while every server's changes are signalled (in case one was missed).</summary>
    public static readonly TimeSpan HeardPollInterval = TimeSpan.FromSeconds(10);

    private static readonly HashSet<Type> AgentMessages = [typeof(AgentSessionStarted), typeof(AgentSaid), typeof(AgentToolUsed), typeof(AgentToolReturned)];

    public sealed class Handler(IEventStore store, IJobChanges changes, TimeProvider clock) : IStreamQueryHandler<WatchJob, JobUpdate>
    {
        public async IAsyncEnumerable<JobUpdate> Handle(WatchJob query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var stream = JobStream.For(query.JobId);
            JobStatus? status = null;
            var deleted = false;
            long version = 0;
            if (query.AfterVersion > 0
                && await store.AggregateAtVersionAsync<JobView>(stream, query.AfterVersion, cancellationToken) is { } resumed)
            {
                // Resuming: where the job stood at the last event the client saw, without sending it again.
                (status, deleted, version) = (resumed.Status, resumed.Deleted, query.AfterVersion);
            }

            var lastSent = clock.GetUtcNow();
            var changed = Task.CompletedTask;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    // Taken before reading, so a change committed while reading still wakes the next wait.
                    changed = changes.NextChangeAsync(query.JobId);
                    foreach (var stored in await store.ReadStreamAsync(stream, version, cancellationToken))
                    {
                        var previous = status;
                        status = stored.Data is JobCreated ? JobStatus.Created
                            : status is { } before ? JobLifecycle.Evolve(before, stored.Data)
                            : null;
                        deleted |= stored.Data is JobDeleted;
                        version = stored.Version;
                        if (status is not { } now || stored.Version <= query.AfterVersion)
                        {
                            continue;
                        }

                        var kind = AgentMessages.Contains(stored.Data.GetType()) ? JobUpdate.MessageKind
                            : previous != now ? JobUpdate.StatusKind
                            : JobUpdate.StepKind;
                        lastSent = clock.GetUtcNow();
                        yield return new JobUpdate(stored.Version, kind, stored.Type, now, previous, stored.Timestamp, stored.Data);
                    }

                    if (status is not { } current || current.IsFinished() || deleted)
                    {
                        yield break;
                    }

                    var wait = query.Heartbeat - (clock.GetUtcNow() - lastSent);
                    if (wait <= TimeSpan.Zero)
                    {
                        lastSent = clock.GetUtcNow();
                        yield return new JobUpdate(0, JobUpdate.HeartbeatKind, null, current, null, lastSent, null);
                        continue;
                    }

                    var poll = changes.HearsOtherNodes ? HeardPollInterval : PollInterval;
                    await Task.WhenAny(changed, Task.Delay(wait < poll ? wait : poll, clock, cancellationToken));
                }
            }
            finally
            {
                // The stream ended (job finished or deleted, client gone): no commit may ever come to clear the signal.
                changes.Forget(query.JobId, changed);
            }
        }
    }
}

/// <summary>Wakes watchers of a job when events are committed to its stream (by this server, and by others while their commits are heard).</summary>
public interface IJobChanges
{
    /// <summary>Whether other servers' commits wake watchers too (otherwise watchers must poll for them).</summary>
    bool HearsOtherNodes { get; }

    /// <summary>Completes at the next commit to the job's stream.</summary>
    Task NextChangeAsync(string jobId);

    /// <summary>
    /// A watcher is done with <paramref name="signal"/> (from <see cref="NextChangeAsync"/>): it is dropped unless a
    /// commit already replaced it, so a job that is no longer watched (or never changes again) holds nothing. Another
    /// watcher of the same job waiting on it is woken, reads once more and registers afresh.
    /// </summary>
    void Forget(string jobId, Task signal);
}
