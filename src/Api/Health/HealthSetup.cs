using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using ClaudeBatch.Infrastructure.Jobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClaudeBatch.Api.Health;

/// <summary>
/// <c>/health/live</c>: the process answers. <c>/health/ready</c> and <c>/health</c>: PostgreSQL answers within a few
/// seconds, the workspace folders are writable and <c>Claude:Command</c> answers <c>--version</c> (its version is shown); 503 otherwise, never a hang. Docker not answering only degrades it.
/// Every report says how jobs are contained (<c>containment</c>: <c>cgroup</c> or <c>session</c>). The routes take no
/// token, and without one a report gives each check's status only: its description and data (the configured folders, the
/// agent's path and version, the Docker endpoint) are for a caller with a valid token.
/// </summary>
public static class HealthSetup
{
    private const string Ready = "ready";
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IServiceCollection AddServerHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddNpgSql(
                sp => sp.GetRequiredService<IConfiguration>().GetConnectionString("Postgres") ?? "",
                name: "postgres",
                tags: [Ready],
                timeout: CheckTimeout)
            .AddCheck<WorkspaceFoldersHealthCheck>("workspace", tags: [Ready], timeout: CheckTimeout)
            // Without Docker jobs still run (without semantic search): it degrades readiness, it never fails it.
            .AddCheck<Infrastructure.Containers.DockerHealthCheck>("docker", HealthStatus.Degraded, tags: [Ready], timeout: CheckTimeout)
            .AddContainmentCheck(Ready)
            // Jobs cannot run without the agent: a Claude:Command that does not answer --version fails readiness.
            .AddAgentCommandCheck(Ready)
            // Not ready until the database schema, the message queues and the other services have started.
            .AddCheck<BackgroundStartHealthCheck>("start", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapServerHealth(this IEndpointRouteBuilder app)
    {
        var ready = new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteReport };
        app.MapHealthChecks("/health", ready).AllowAnonymous();
        app.MapHealthChecks("/health/ready", ready).AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReport })
            .AllowAnonymous();
        return app;
    }

    /// <remarks>
    /// Written field by field: serializing an anonymous object built its JSON metadata by reflection on the first
    /// <c>/health/live</c>, ~35 ms of every start before the server answers (issue #20). A check's data values are still
    /// serialized as they come.
    /// </remarks>
    private static async Task WriteReport(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        // On the response's pipe: a data value's serializer flushes the writer, which on the body stream would be a
        // synchronous write.
        var detailed = http.User.Identity?.IsAuthenticated == true;
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        // "cgroup" or "session": whether a job's processes all die with it, or only those in the agent's session.
        json.WriteString("containment", http.RequestServices.GetRequiredService<Application.Jobs.IJobContainment>().Mode);
        json.WriteNumber("durationMs", report.TotalDuration.TotalMilliseconds);
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteNumber("durationMs", entry.Duration.TotalMilliseconds);
            if (detailed)
            {
                json.WriteString("description", entry.Description);
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    json.WritePropertyName(key);
                    JsonSerializer.Serialize(json, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(http.RequestAborted);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
    }
}
