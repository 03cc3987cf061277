using ClaudeBatch.Application.Webhooks;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Wolverine.Marten;

namespace ClaudeBatch.Infrastructure.Webhooks;

/// <summary>
/// A webhook notification of a fact stored before Wolverine has started (the recovery of interrupted jobs runs before the
/// queues do, so that no job message sees a job its previous life left running): kept as a document in the fact's own
/// commit, and sent by <see cref="DeferredWebhookNotifications"/> once the queues run.
/// </summary>
public sealed class DeferredWebhookNotification
{
    public Guid Id { get; set; }

    public string EventType { get; set; } = "";

    public string Subject { get; set; } = "";

    public DateTimeOffset At { get; set; }

    public static DeferredWebhookNotification From(NotifyWebhooks notification) =>
        new() { Id = Guid.NewGuid(), EventType = notification.EventType, Subject = notification.Subject, At = notification.At };
}

/// <summary>Registered after Wolverine: sends the deferred notifications through the outbox, removing them in the same commit.</summary>
internal sealed class DeferredWebhookNotifications(IServiceScopeFactory scopes, ILogger<DeferredWebhookNotifications> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var session = scope.ServiceProvider.GetRequiredService<IDocumentSession>();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        outbox.Enroll(session);
        var deferred = await session.Query<DeferredWebhookNotification>().ToListAsync(cancellationToken);
        if (deferred.Count == 0)
        {
            return;
        }

        foreach (var notification in deferred)
        {
            await outbox.PublishAsync(new NotifyWebhooks(notification.EventType, notification.Subject, notification.At));
            session.Delete(notification);
        }

        await session.SaveChangesAsync(cancellationToken);
        logger.LogInformation("{Count} webhook notification(s) stored during the start were sent to the queue", deferred.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
