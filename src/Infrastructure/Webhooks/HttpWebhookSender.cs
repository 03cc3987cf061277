using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Application.Webhooks;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Infrastructure.Webhooks;

/// <summary>
/// Deliveries over .NET's HTTP client: no proxy, no cookies, no redirect followed (a 3xx is a failed attempt), a timeout
/// per attempt (<c>Webhooks:TimeoutSeconds</c>, connecting included), and every connection made only to addresses the
/// SSRF rule accepted when it was made, so a name that resolves elsewhere by then (DNS rebinding) gets nowhere.
/// </summary>
internal sealed class HttpWebhookSender : IWebhookSender, IDisposable
{
    private const int MaxErrorLength = 300;
    private readonly HttpClient client;
    private readonly WebhooksOptions options;
    private readonly IHostResolver resolver;
    private readonly TimeProvider clock;

    public HttpWebhookSender(WebhooksOptions options, IHostResolver resolver, TimeProvider clock)
    {
        this.options = options;
        this.resolver = resolver;
        this.clock = clock;
        client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("claude-batch-server-webhooks/1");
    }

    public async Task<AttemptOutcome> SendAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
        {
            Content = new StringContent(request.Body, Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("webhook-id", request.DeliveryId);
        message.Headers.Add("webhook-timestamp", request.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        message.Headers.Add("webhook-signature", request.Signature);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return new AttemptOutcome((int)response.StatusCode, Stopwatch.GetElapsedTime(started), RetryAfter(response), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptOutcome(null, Stopwatch.GetElapsedTime(started), null, $"No answer within {options.TimeoutSeconds} s.");
        }
        catch (HttpRequestException e)
        {
            return new AttemptOutcome(null, Stopwatch.GetElapsedTime(started), null, Describe(e));
        }
    }

    public void Dispose() => client.Dispose();

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - clock.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private static string Describe(HttpRequestException e)
    {
        var text = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{e.Message} ({inner.Message})"
            : e.Message;
        return text.Length > MaxErrorLength ? text[..MaxErrorLength] + "…" : text;
    }

    /// <summary>Resolves the host once, checks every address, and connects only to those.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        if (!options.AllowPrivateTargets && HostNames.IsPrivateByName(host))
        {
            throw new HttpRequestException($"{host} is a private name; private targets are refused (Webhooks:AllowPrivateTargets).");
        }

        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Count == 0)
        {
            throw new HttpRequestException($"{host} did not resolve.");
        }

        if (!options.AllowPrivateTargets && NetworkAddresses.FirstNonPublic(addresses) is { } refused)
        {
            // The kind of address, not the address: the delivery log is the subscriber's to read, and the name may lead
            // (a CNAME, say) to an address of a network they should learn nothing of.
            throw new HttpRequestException(
                $"{host} resolves to a {refused.Range} address; private targets are refused (Webhooks:AllowPrivateTargets).");
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
