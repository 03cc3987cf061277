namespace ClaudeBatch.Application.Common;

/// <summary>
/// The write side: events appended to streams and messages enqueued for the background pipeline commit
/// together in <see cref="SaveChangesAsync"/>, or not at all.
/// </summary>
public interface IEventStore
{
    void Append(string streamKey, params object[] events);

    /// <summary>
    /// Appends only if the stream is still at <paramref name="expectedVersion"/> (0 = new or empty) when the unit of
    /// work commits; otherwise <see cref="SaveChangesAsync"/> throws <see cref="ConcurrencyConflictException"/>.
    /// </summary>
    void AppendExpecting(string streamKey, long expectedVersion, params object[] events);

    /// <summary>Enqueues a durable background message that is sent only if the same unit of work commits.</summary>
    ValueTask EnqueueAsync(object message);

    /// <summary>Enqueues a durable background message, due after <paramref name="delay"/>, only if the same unit of work commits.</summary>
    ValueTask EnqueueAsync(object message, TimeSpan delay);

    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, CancellationToken cancellationToken);

    /// <summary>The events of a stream after <paramref name="afterVersion"/>, in order.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, long afterVersion, CancellationToken cancellationToken);

    /// <summary>
    /// The read model <typeparamref name="T"/> as it stood at an instant (events up to and including
    /// <paramref name="at"/>), built from the raw stream by the same projection that keeps the stored one; null when
    /// the stream did not exist yet.
    /// </summary>
    Task<T?> AggregateAtAsync<T>(string streamKey, DateTimeOffset at, CancellationToken cancellationToken) where T : class;

    /// <summary>The read model as it stood after the event at <paramref name="version"/> of its stream.</summary>
    Task<T?> AggregateAtVersionAsync<T>(string streamKey, long version, CancellationToken cancellationToken) where T : class;

    Task SaveChangesAsync(CancellationToken cancellationToken);
}

/// <summary>One event as stored: the audit trail shows these.</summary>
public sealed record StoredEvent(long Sequence, long Version, string Type, DateTimeOffset Timestamp, object Data);
