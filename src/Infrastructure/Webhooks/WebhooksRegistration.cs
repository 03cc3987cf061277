using ClaudeBatch.Application.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.Webhooks;

public static class WebhooksRegistration
{
    public static IServiceCollection AddWebhookAdapters(this IServiceCollection services)
    {
        services.AddSingleton<IWebhookSender, HttpWebhookSender>();
        services.AddScoped<IWebhookSecrets, MartenWebhookSecrets>();
        services.AddScoped<IWebhookList, MartenWebhookList>();
        services.AddScoped<NotifyWebhooks.Handler>();
        services.AddScoped<DeliverWebhook.Handler>();
        return services;
    }

    /// <summary>Call after Wolverine is added: its hosted service must have started before this one runs.</summary>
    public static IServiceCollection AddDeferredWebhookNotifications(this IServiceCollection services) =>
        services.AddHostedService<DeferredWebhookNotifications>();
}
