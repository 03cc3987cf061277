using System.Net;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>
/// Where deliveries may go: an absolute http(s) URL with no user name or password, whose host is public (unless
/// <c>Webhooks:AllowPrivateTargets</c>). Checked at subscription here, and again by the sender on every connection, so a
/// name that later resolves elsewhere (DNS rebinding) gets nowhere.
/// </summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2048;

    /// <summary>Why <paramref name="url"/> is not a well-formed target, or null.</summary>
    public static string? Malformed(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return "'url' must be an absolute http:// or https:// URL.";
        }

        if (uri.UserInfo.Length > 0 || Authority(url).Contains('@', StringComparison.Ordinal))
        {
            return "'url' must not carry a user name or password.";
        }

        if (uri.Fragment.Length > 0)
        {
            return "'url' must not have a fragment.";
        }

        return HostNames.IsWellFormed(uri.IdnHost.Trim('[', ']')) ? null : "'url' has a malformed host name.";
    }

    /// <summary>The raw authority (what stands between <c>//</c> and the path, query or fragment), as written.</summary>
    private static string Authority(string url)
    {
        var start = url.IndexOf("//", StringComparison.Ordinal) + 2;
        var end = url.IndexOfAny(['/', '?', '#', '\\'], start);
        return end < 0 ? url[start..] : url[start..end];
    }

    /// <summary>Why deliveries may not go to <paramref name="url"/> (a well-formed one), or null when they may.</summary>
    public static async Task<DomainError?> RefusalAsync(Uri url, WebhooksOptions options, IHostResolver resolver, CancellationToken cancellationToken)
    {
        if (options.AllowPrivateTargets)
        {
            return null;
        }

        var host = url.IdnHost.Trim('[', ']');
        if (HostNames.IsPrivateByName(host))
        {
            return Refused;
        }

        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Count == 0)
        {
            return DomainError.Invalid("unresolvable-webhook-host", "'url' names a host that could not be resolved.");
        }

        return NetworkAddresses.FirstNonPublic(addresses) is null ? null : Refused;
    }

    private static DomainError Refused => DomainError.Invalid(
        "private-network-target",
        "'url' is on a loopback, private, link-local or metadata network; such targets are refused (Webhooks:AllowPrivateTargets).");
}
