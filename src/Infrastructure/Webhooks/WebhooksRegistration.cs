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
}
