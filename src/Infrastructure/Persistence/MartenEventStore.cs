using ClaudeBatch.Application.Common;
using JasperFx.Events;
using Marten;
using Wolverine.Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>One Marten session per request or message; the Wolverine outbox is enrolled so messages commit with events.</summary>
internal sealed class MartenEventStore : Application.Common.IEventStore
{
    private readonly IDocumentSession session;
    private readonly IMartenOutbox outbox;

    public MartenEventStore(IDocumentSession session, IMartenOutbox outbox)
    {
        this.session = session;
        this.outbox = outbox;
        outbox.Enroll(session);
    }

    public void Append(string streamKey, params object[] events) => session.Events.Append(streamKey, events);

    public void AppendExpecting(string streamKey, long expectedVersion, params object[] events)
    {
        if (expectedVersion == 0)
        {
            // A new stream: a concurrent first writer makes StartStream fail at commit.
            session.Events.StartStream(streamKey, events);
        }
        else
        {
            session.Events.Append(streamKey, expectedVersion + events.Length, events);
        }
    }

    public ValueTask EnqueueAsync(object message) => outbox.PublishAsync(message);

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, CancellationToken cancellationToken)
    {
        var events = await session.Events.FetchStreamAsync(streamKey, token: cancellationToken);
        return events
            .Select(e => new StoredEvent(e.Sequence, e.Version, e.EventType.Name, e.Timestamp, e.Data))
            .ToList();
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, long afterVersion, CancellationToken cancellationToken)
    {
        var events = await session.Events.FetchStreamAsync(streamKey, fromVersion: afterVersion + 1, token: cancellationToken);
        return events
            .Where(e => e.Version > afterVersion)
            .Select(e => new StoredEvent(e.Sequence, e.Version, e.EventType.Name, e.Timestamp, e.Data))
            .ToList();
    }

    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (e is JasperFx.ConcurrencyException or EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            throw new ConcurrencyConflictException("Another request changed the same item at the same time; try again.", e);
        }
    }
}
