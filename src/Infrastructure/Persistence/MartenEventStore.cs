using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Webhooks;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// One Marten session per request or message; the Wolverine outbox is enrolled so messages commit with events. Facts
/// that are webhook events (<see cref="WebhookTriggers"/>) enqueue their <see cref="NotifyWebhooks"/> in the same commit,
/// when someone is subscribed to them (<see cref="Webhooks.WebhookAudience"/>).
/// </summary>
internal sealed class MartenEventStore : Application.Common.IEventStore
{
    private readonly IDocumentSession session;
    private readonly IMartenOutbox outbox;

    private readonly IDocumentStore documents;
    private readonly IServiceScopeFactory scopes;
    private readonly Webhooks.WebhookAudience audience;

    public MartenEventStore(
        IDocumentSession session, IMartenOutbox outbox, IDocumentStore documents, IServiceScopeFactory scopes, Webhooks.WebhookAudience audience)
    {
        this.session = session;
        this.documents = documents;
        this.outbox = outbox;
        this.scopes = scopes;
        this.audience = audience;
        outbox.Enroll(session);
        // A unit of work may commit many times (a job's pipeline does, and each commit may hold a webhook notification);
        // by default the outbox sends only after the first, and whatever later commits stored would wait in the inbox
        // for the next start.
        if (outbox is Wolverine.Runtime.MessageContext context)
        {
            context.MultiFlushMode = Wolverine.Runtime.MultiFlushMode.AllowMultiples;
        }
    }

    private readonly List<NotifyWebhooks> notifications = [];

    private readonly List<(string Stream, object[] Events)> unversioned = [];
    private bool versioned;
    private bool enqueued;

    public void Append(string streamKey, params object[] events)
    {
        session.Events.Append(streamKey, events);
        unversioned.Add((streamKey, events));
        NoteWebhookEvents(events);
    }

    private void NoteWebhookEvents(object[] events) =>
        notifications.AddRange(events.Select(WebhookTriggers.For).OfType<NotifyWebhooks>());

    public void AppendExpecting(string streamKey, long expectedVersion, params object[] events)
    {
        versioned = true;
        NoteWebhookEvents(events);
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

    public ValueTask EnqueueAsync(object message)
    {
        enqueued = true;
        return outbox.PublishAsync(message);
    }

    public ValueTask EnqueueAsync(object message, TimeSpan delay)
    {
        enqueued = true;
        return outbox.PublishAsync(message, new Wolverine.DeliveryOptions { ScheduleDelay = delay });
    }

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

    public Task<T?> AggregateAtAsync<T>(string streamKey, DateTimeOffset at, CancellationToken cancellationToken) where T : class =>
        session.Events.AggregateStreamAsync<T>(streamKey, timestamp: at, token: cancellationToken);

    public Task<T?> AggregateAtVersionAsync<T>(string streamKey, long version, CancellationToken cancellationToken) where T : class =>
        session.Events.AggregateStreamAsync<T>(streamKey, version: version, token: cancellationToken);

    public async Task SaveChangesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await KeepHeardAsync(cancellationToken);
            await PublishAsync(outbox, session);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (IsAppendRace(e) && !versioned && !enqueued)
        {
            // Quick append gives each event the stream's next version inside the transaction; two writers appending to
            // one stream at the same moment (the pipeline recording the agent while a user cancels) can pick the same
            // number. Nothing was expected of the version and nothing else is in this unit of work, so append again,
            // in a fresh session: the loser simply goes after.
            session.EjectAllPendingChanges();
            await AppendAgainAsync(e);
        }
        catch (Exception e) when (DatabaseAvailability.IsUnavailable(e))
        {
            // Nothing was written; the caller decides whether to keep the change and try again.
            session.EjectAllPendingChanges();
            throw new StoreUnavailableException($"The database is unavailable: {e.GetBaseException().Message}", e);
        }
        catch (Exception e) when (e is JasperFx.ConcurrencyException or EventStreamUnexpectedMaxEventIdException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            // Nothing was written; the caller may decide again against the new state in this same unit of work.
            session.EjectAllPendingChanges();
            throw new ConcurrencyConflictException("Another request changed the same item at the same time; try again.", e);
        }
        finally
        {
            unversioned.Clear();
            notifications.Clear();
            (versioned, enqueued) = (false, false);
        }
    }

    private async Task AppendAgainAsync(Exception first)
    {
        for (var attempt = 2; ; attempt++)
        {
            await Task.Delay(Random.Shared.Next(1, 5 * attempt), CancellationToken.None);
            await using var fresh = documents.LightweightSession();
            foreach (var (stream, events) in unversioned)
            {
                fresh.Events.Append(stream, events);
            }

            // The facts' webhook notifications commit with them here too, through an outbox enrolled in this session.
            await using var scope = scopes.CreateAsyncScope();
            if (notifications.Count > 0)
            {
                var freshOutbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
                freshOutbox.Enroll(fresh);
                await PublishAsync(freshOutbox, fresh);
            }

            try
            {
                await fresh.SaveChangesAsync(CancellationToken.None);
                return;
            }
            catch (Exception e) when (IsAppendRace(e) && attempt < MaxAppendAttempts)
            {
            }
            catch (Exception e) when (IsAppendRace(e))
            {
                throw new ConcurrencyConflictException("The same item kept changing at the same time; try again.", new AggregateException(first, e));
            }
        }
    }

    private const int MaxAppendAttempts = 20;

    /// <summary>Leaves out the notifications of events that no subscription would receive.</summary>
    private async Task KeepHeardAsync(CancellationToken cancellationToken)
    {
        for (var i = notifications.Count - 1; i >= 0; i--)
        {
            if (!await audience.IsHeardAsync(notifications[i], cancellationToken))
            {
                notifications.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// The unit of work's webhook notifications, into its outbox; before Wolverine has started (the recovery of interrupted
    /// jobs runs first), as documents in the same commit, sent once it has (<see cref="Webhooks.DeferredWebhookNotifications"/>).
    /// </summary>
    private async Task PublishAsync(IMartenOutbox into, IDocumentSession of)
    {
        foreach (var notification in notifications)
        {
            try
            {
                await into.PublishAsync(notification);
            }
            catch (Wolverine.WolverineHasNotStartedException)
            {
                of.Store(Webhooks.DeferredWebhookNotification.From(notification));
            }
        }
    }

    /// <summary>Two unversioned writers took the same next version, or both created the same new stream.</summary>
    private static bool IsAppendRace(Exception e) =>
        e is EventStreamUnexpectedMaxEventIdException
        || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation };
}
