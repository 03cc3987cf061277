using System.Net;
using System.Net.Sockets;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a server, which can cut every connection through it at once — as a
/// flaky network or a proxy restart would — while new ones still get through.
/// </summary>
public sealed class DroppingProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Uri target;
    private readonly List<TcpClient> open = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;

    public DroppingProxy(Uri target)
    {
        this.target = target;
        listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        accepting = AcceptAsync();
    }

    public Uri Url { get; }

    public int Dropped { get; private set; }

    /// <summary>Closes every connection open now; returns how many there were.</summary>
    public int DropAll()
    {
        lock (open)
        {
            var count = open.Count;
            foreach (var client in open)
            {
                try
                {
                    client.Client?.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                }

                client.Dispose();
            }

            open.Clear();
            Dropped += count;
            return count;
        }
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var outbound = new TcpClient();
            await outbound.ConnectAsync(target.Host, target.Port);
            lock (open)
            {
                open.Add(inbound);
                open.Add(outbound);
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream());
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting;
        DropAll();
        stop.Dispose();
    }
}
