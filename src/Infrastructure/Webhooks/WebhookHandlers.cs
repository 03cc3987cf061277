using ClaudeBatch.Application.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace ClaudeBatch.Infrastructure.Webhooks;

/// <summary>The durable "webhooks" queue: notifications fan out into deliveries, each delivery is attempted and retried there.</summary>
public static class WebhookQueue
{
    public const string Name = "webhooks";

    /// <summary>
    /// How many deliveries one server handles at once; a retry due within a minute waits in its handler, without a thread.
    /// </summary>
    public const int MaxParallelDeliveries = 64;

    public static void UseWebhookQueue(this WolverineOptions options)
    {
        options.LocalQueue(Name).MaximumParallelMessages(MaxParallelDeliveries).UseDurableInbox();
        options.PublishMessage<NotifyWebhooks>().ToLocalQueue(Name);
        options.PublishMessage<DeliverWebhook>().ToLocalQueue(Name);
    }

    public static void Configure(HandlerChain chain)
    {
        // A retry due within a minute waits in its handler, then has Webhooks:TimeoutSeconds (at most 300) to send.
        chain.ExecutionTimeoutInSeconds = 10 * 60;
        // Left in the inbox when the server stops, for the next start.
        chain.OnException<OperationCanceledException>().RequeueIndefinitely();
        // The database away for a moment: tried again (a delivery then goes out once more, with the same webhook-id).
        chain.OnException<Application.Common.StoreUnavailableException>()
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2));
    }
}

/// <summary>Wolverine delivers <see cref="NotifyWebhooks"/>; the use case runs in a scope of its own.</summary>
public static class NotifyWebhooksHandler
{
    public static void Configure(HandlerChain chain) => WebhookQueue.Configure(chain);

    public static async Task Handle(NotifyWebhooks message, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<NotifyWebhooks.Handler>().Handle(message, cancellationToken);
    }
}

/// <summary>Wolverine delivers <see cref="DeliverWebhook"/>; the use case runs in a scope of its own.</summary>
public static class DeliverWebhookHandler
{
    public static void Configure(HandlerChain chain) => WebhookQueue.Configure(chain);

    public static async Task Handle(DeliverWebhook message, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DeliverWebhook.Handler>().Handle(message, cancellationToken);
    }
}
