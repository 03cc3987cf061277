using ClaudeBatch.Domain.Common;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using ClaudeBatch.Application.Repositories;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// One clone or fetch: the rule the HTTP transport applies to it (are private networks allowed), its cancellation,
/// and the first failure met, kind and detail, for the caller to report (the kind) and log (the detail).
/// Each session has its own HTTP client, so a connection opened under one rule is never reused under another.
/// libgit2 calls its transports back on the thread that started the operation: <see cref="Run{T}"/> makes the
/// session current there.
/// </summary>
internal sealed class GitNetworkSession : IDisposable
{
    private static readonly AsyncLocal<GitNetworkSession?> Current = new();
    private readonly bool allowPrivateNetworks;
    private readonly IHostResolver resolver;

    public GitNetworkSession(bool allowPrivateNetworks, IHostResolver resolver, CancellationToken cancellationToken)
    {
        GitHttpTransport.EnsureRegistered();
        this.allowPrivateNetworks = allowPrivateNetworks;
        this.resolver = resolver;
        Cancellation = cancellationToken;
        Client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The session of the git operation running on this thread, if any.</summary>
    public static GitNetworkSession? Active => Current.Value;

    public HttpClient Client { get; }

    public CancellationToken Cancellation { get; }

    public GitFailure? Failure { get; private set; }

    public string? Detail { get; private set; }

    public T Run<T>(Func<T> operation)
    {
        var previous = Current.Value;
        Current.Value = this;
        try
        {
            return operation();
        }
        finally
        {
            Current.Value = previous;
        }
    }

    /// <summary>Records the failure (the first one wins: later ones are its consequences) and returns what to throw at libgit2.</summary>
    public Exception Fail(GitFailure failure, string detail)
    {
        if (Failure is null)
        {
            Failure = failure;
            Detail = detail;
        }

        return new IOException(failure.Describe());
    }

    public void Dispose() => Client.Dispose();

    /// <summary>
    /// Resolves the host once, checks every address it gave, and connects only to those: the connection goes where
    /// the check looked, so a name that resolves to a public address for the check and a private one for the
    /// connection (DNS rebinding) gets nowhere.
    /// </summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        if (!allowPrivateNetworks && Domain.Common.HostNames.IsPrivateByName(host))
        {
            throw Fail(GitFailure.PrivateNetwork, $"{host} is private by name");
        }

        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Count == 0)
        {
            throw Fail(GitFailure.Unreachable, $"{host} did not resolve");
        }

        if (!allowPrivateNetworks && NetworkAddresses.FirstNonPublic(addresses) is { } refused)
        {
            throw Fail(GitFailure.PrivateNetwork, $"{host} resolves to {refused.Address}, {refused.Range}");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync([.. addresses], context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
