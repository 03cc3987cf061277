using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A real HTTP receiver of webhooks on 127.0.0.1 (never anything else): records every request and answers with the
/// scripted status codes in turn (200 once they run out), after <see cref="Hold"/> if set.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public sealed record Delivery(string Id, string Timestamp, string Signature, string Body, string ContentType)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        public string Type => Json.GetProperty("type").GetString()!;
    }

    private readonly WebApplication app;
    private readonly ConcurrentQueue<int> answers = new();

    private WebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<Delivery> Received { get; } = new();

    public string Url { get; private set; } = "";

    /// <summary>When set, every answer that is not a 2xx carries <c>Retry-After</c> with this many seconds.</summary>
    public int? RetryAfterSeconds { get; set; }

    /// <summary>Awaited before each answer (a receiver that has the request but has not answered yet).</summary>
    public Func<Task>? Hold { get; set; }

    public static async Task<WebhookReceiver> StartAsync(params int[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        foreach (var answer in answers)
        {
            receiver.answers.Enqueue(answer);
        }

        app.Run(receiver.AnswerAsync);
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
        new Uri(receiver.Url).Host.ShouldBe("127.0.0.1", "the tests send traffic to loopback only");
        return receiver;
    }

    /// <summary>A URL on 127.0.0.1 where nothing listens (connections are refused).</summary>
    public static string Nowhere()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/hook";
    }

    /// <summary>Waits (polling, with a deadline) until <paramref name="count"/> requests have arrived.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAsync(int count, TimeSpan? timeout = null, Func<Delivery, bool>? which = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var matching = Received.Where(which ?? (_ => true)).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"The receiver got {matching.Count} of {count} deliveries: {string.Join(", ", Received.Select(d => $"{d.Type} {d.Id}"))}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The Standard Webhooks check, done here independently of the server's code.</summary>
    public static bool HasValidSignature(Delivery delivery, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        using var hmac = new HMACSHA256(key);
        var expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{delivery.Id}.{delivery.Timestamp}.{delivery.Body}")));
        return delivery.Signature.Split(' ').Any(s => s == "v1," + expected);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Received.Enqueue(new Delivery(
            http.Request.Headers["webhook-id"].ToString(), http.Request.Headers["webhook-timestamp"].ToString(),
            http.Request.Headers["webhook-signature"].ToString(), body, http.Request.ContentType ?? ""));
        if (Hold is { } hold)
        {
            await hold();
        }

        http.Response.StatusCode = answers.TryDequeue(out var status) ? status : StatusCodes.Status200OK;
        if (RetryAfterSeconds is { } seconds && status is not (0 or >= 200 and < 300))
        {
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
