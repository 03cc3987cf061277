using System.Net;
using System.Net.Sockets;
using ClaudeBatch.Application.Repositories;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>The system resolver (getaddrinfo: /etc/hosts, then DNS), as ssh and the HTTP transport would resolve.</summary>
internal sealed class DnsHostResolver : IHostResolver
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out var literal))
        {
            return [literal];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            return await Dns.GetHostAddressesAsync(bare, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or ArgumentException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return [];
        }
    }
}
