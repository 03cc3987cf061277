using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Foundation;

/// <summary>The shipped settings bound Kestrel's connections (the standard <c>Kestrel:Limits</c> keys, README).</summary>
public sealed class KestrelLimitsTests
{
    [Fact]
    public async Task A_client_that_never_finishes_its_request_headers_is_cut_off_after_the_shipped_15_seconds_not_Kestrels_30()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        try
        {
            await using var server = await ServerProcess.StartAsync(settings.Settings);
            using var slow = new TcpClient();
            await slow.ConnectAsync(server.Url.Host, server.Url.Port);
            var stream = slow.GetStream();
            await stream.WriteAsync("GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: "u8.ToArray());
            var clock = Stopwatch.StartNew();

            var received = new StringBuilder();
            var buffer = new byte[4096];
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(25));
            int read;
            while ((read = await stream.ReadAsync(buffer, patience.Token)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(25));
            clock.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(10));
            received.ToString().ShouldStartWith("HTTP/1.1 408");
            using var client = server.CreateClient();
            (await client.GetAsync("/health/live")).IsSuccessStatusCode.ShouldBeTrue("the server kept serving others meanwhile");
        }
        finally
        {
            await ((IAsyncLifetime)settings).DisposeAsync();
        }
    }
}
