using System.Net;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// The SSRF rule for remote sources (<c>Repositories:AllowPrivateNetworks</c>), applied at registration, before each
/// clone and pull (names may resolve elsewhere by then), and by the HTTP transport on each connection it opens.
/// </summary>
public static class PrivateNetworks
{
    /// <summary>Why <paramref name="source"/> may not be fetched from, or null when it may (local sources are not this rule's).</summary>
    public static async Task<DomainError?> RefusalAsync(
        GitSource source, RepositoriesOptions options, IHostResolver resolver, CancellationToken cancellationToken)
    {
        if (source.Host is not { } host)
        {
            return null;
        }

        if (!HostNames.IsWellFormed(host))
        {
            return DomainError.Invalid("invalid-git-url", "'gitUrl' has a malformed host name.");
        }

        if (options.AllowPrivateNetworks)
        {
            return null;
        }

        if (HostNames.IsPrivateByName(host))
        {
            return Refused;
        }

        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Count == 0)
        {
            return DomainError.Invalid("unresolvable-git-host", "'gitUrl' names a host that could not be resolved.");
        }

        return NetworkAddresses.FirstNonPublic(addresses) is null ? null : Refused;
    }

    private static DomainError Refused => DomainError.Invalid("private-network-source", GitFailures.PrivateNetworkMessage);
}
