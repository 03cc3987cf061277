using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ClaudeBatch.Api.Monitoring;

/// <summary>
/// OpenTelemetry for the server: metrics of ASP.NET Core, HttpClient, Npgsql, Wolverine, Marten and the jobs, read by
/// <c>GET /metrics</c> (<see cref="PrometheusScrapeReader"/>, only when scraped); traces of the same, and of the job's
/// agent run. Both go out by OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (environment or settings);
/// otherwise nothing is exported and nothing runs on a timer.
/// </summary>
public static class TelemetrySetup
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Wolverine names its meter "Wolverine:" + the service name.</summary>
    private static readonly string[] Meters =
        [JobMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Wolverine:*", "Marten"];

    private static readonly string[] NpgsqlTags =
        ["db.client.connection.state", "db.system.name", "db.operation.name", "error.type"];

    /// <summary>
    /// HttpClient's labels without the peer: its requests go to users' webhook receivers and git hosts, and to the other
    /// nodes, and where those are (names, resolved addresses, ports) is not for every reader of the metrics.
    /// </summary>
    private static readonly string[] HttpClientTags =
        ["http.request.method", "http.response.status_code", "error.type", "url.scheme", "network.protocol.version", "http.connection.state"];

    /// <summary>Kestrel's labels without the address it listens on (the server's own, and in the tests other servers').</summary>
    private static readonly string[] KestrelTags =
        ["network.transport", "network.type", "network.protocol.name", "network.protocol.version", "tls.protocol.version", "error.type",
         "kestrel.connection.end_reason"];

    public static WebApplicationBuilder AddServerTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section);
        var scrape = new PrometheusScrapeReader();
        builder.Services.AddSingleton(scrape);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                builder.Configuration["OTEL_SERVICE_NAME"] ?? "claude-batch-server",
                serviceInstanceId: builder.Configuration["Jobs:NodeName"] ?? Environment.MachineName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddNpgsqlInstrumentation().AddReader(scrape)
                    // Npgsql names each pool by its connection string: the database, host and user are no one's business
                    // here, and one series per pool (listeners included) would only multiply them. Nor are the addresses
                    // HttpClient and Kestrel would label theirs with.
                    .AddView("db.client.*", new MetricStreamConfiguration { TagKeys = NpgsqlTags })
                    .AddView("http.client.*", new MetricStreamConfiguration { TagKeys = HttpClientTags })
                    .AddView("kestrel.*", new MetricStreamConfiguration { TagKeys = KestrelTags });
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                // The request, Wolverine and the agent run are traced whether or not spans are exported: the agent is
                // handed the trace it runs in (TRACEPARENT), so a caller's traceparent reaches it. The database's spans
                // (Npgsql, Marten) and HttpClient's only when exported: the durability agent polls PostgreSQL at idle,
                // and spans nobody reads would cost CPU there (issue #20).
                tracing.AddSource(JobTracing.SourceName, "Wolverine")
                    .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/health"));
                if (otlp)
                {
                    tracing.AddSource("Marten").AddHttpClientInstrumentation().AddNpgsql().AddOtlpExporter();
                }
            });
        return builder;
    }
}

/// <summary>Who may read <c>GET /metrics</c> (README, "Monitoring").</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>
    /// False (the default): only an authenticated caller (a Prometheus with an access token as its bearer token). True:
    /// anyone who reaches the server — for a scraper on a private network; the metrics hold counts, durations, costs,
    /// node names and route templates, never a prompt, a user's name or a secret.
    /// </summary>
    public bool AllowAnonymous { get; set; }
}
