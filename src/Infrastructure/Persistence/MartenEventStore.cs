using ClaudeBatch.Application.Common;
using Marten;
using Wolverine.Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>One Marten session per request or message; the Wolverine outbox is enrolled so messages commit with events.</summary>
internal sealed class MartenEventStore : IEventStore
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

    public ValueTask EnqueueAsync(object message) => outbox.PublishAsync(message);

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, CancellationToken cancellationToken)
    {
        var events = await session.Events.FetchStreamAsync(streamKey, token: cancellationToken);
        return events
            .Select(e => new StoredEvent(e.Sequence, e.Version, e.EventType.Name, e.Timestamp, e.Data))
            .ToList();
    }

    public Task SaveChangesAsync(CancellationToken cancellationToken) => session.SaveChangesAsync(cancellationToken);
}
