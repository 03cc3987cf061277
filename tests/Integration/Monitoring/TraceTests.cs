using System.Net;
using System.Net.Sockets;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Monitoring;

/// <summary>
/// A trace follows a job from the request that starts it, through the Wolverine queue, to the agent process, and is
/// exported by OTLP to a receiver on 127.0.0.1 (a plain HTTP listener taking what the exporter posts).
/// </summary>
public sealed class TraceTests : IAsyncLifetime
{
    private readonly OtlpReceiver receiver = new();
    private readonly ApiFactory api = new();

    public Task InitializeAsync()
    {
        api.With("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.Address)
            .With("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .With("OTEL_BSP_SCHEDULE_DELAY", "200");
        return api.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)api).DisposeAsync();
        receiver.Dispose();
    }

    [Fact]
    public async Task The_agent_runs_in_the_trace_of_the_request_that_started_its_job_and_the_spans_are_exported()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "hello", gitAware: false);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        const string callerSpan = "00f067aa0ba902b7";

        using var start = new HttpRequestMessage(HttpMethod.Post, $"/jobs/{jobId}/start");
        start.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        (await client.SendAsync(start)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await client.WaitForJobAsync(jobId)).Status().ShouldBe("completed");

        // The agent was told the trace (W3C), under a span of ours, not the caller's.
        var traceparent = FakeClaude.Invocation(Path.Combine(api.JobsPath, jobId)).GetProperty("env").GetProperty("TRACEPARENT").GetString()!;
        var parts = traceparent.Split('-');
        parts.Length.ShouldBe(4, traceparent);
        (parts[0], parts[1]).ShouldBe(("00", traceId));
        parts[2].ShouldNotBe(callerSpan);

        // And the spans went to the collector: the request's, Wolverine's and the agent run's, all in that trace.
        var exported = await receiver.WaitForAsync(body => Contains(body, Convert.FromHexString(traceId)) && Contains(body, "agent run"u8.ToArray()));
        exported.ShouldBeTrue("no OTLP export to the receiver held the trace and the agent's span");
    }

    private static bool Contains(byte[] body, byte[] part) => body.AsSpan().IndexOf(part) >= 0;

    /// <summary>Takes OTLP/HTTP posts on 127.0.0.1 and keeps their bodies.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly List<byte[]> bodies = [];

        public OtlpReceiver()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Address = $"http://127.0.0.1:{port}";
            listener.Prefixes.Add(Address + "/");
            listener.Start();
            _ = ServeAsync();
        }

        public string Address { get; }

        public async Task<bool> WaitForAsync(Func<byte[], bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (DateTime.UtcNow < deadline)
            {
                lock (bodies)
                {
                    if (bodies.Any(match))
                    {
                        return true;
                    }
                }

                await Task.Delay(100);
            }

            return false;
        }

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url!.AbsolutePath == "/v1/traces")
                {
                    lock (bodies)
                    {
                        bodies.Add(body.ToArray());
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose() => listener.Close();
    }
}
