using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>Another user's subscription is not found, exactly as one that does not exist.</summary>
internal static class WebhookOwnership
{
    public static DomainError NotFound => DomainError.NotFound("webhook-not-found", "No such webhook.");

    public static async Task<WebhookView?> LoadOwnAsync(IReadModels views, string id, string user, CancellationToken cancellationToken)
    {
        if (id.Length is 0 or > 64)
        {
            return null;
        }

        var webhook = await views.LoadAsync<WebhookView>(Domain.Webhooks.WebhookStream.For(id), cancellationToken);
        return webhook is not null && webhook.User == user ? webhook : null;
    }
}
