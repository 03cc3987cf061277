using ClaudeBatch.Application.Common;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace ClaudeBatch.Api.Health;

/// <summary>
/// Builds on the second core, while the main thread maps the routes and starts Kestrel, what the way to the first
/// <c>/health/live</c> would otherwise build in turn (issue #20), in the order it asks for them:
/// <list type="bullet">
/// <item>OpenTelemetry's <see cref="MeterProvider"/> (~55 ms; the host's start validates the metrics listeners, which
/// need it);</item>
/// <item>the request bodies' JSON metadata (~35 ms; building the routes asks for it);</item>
/// <item>the bearer scheme's options (~45 ms; the first request's authentication asks for them);</item>
/// <item>the jobs' containment, which looks for cgroups once (~13 ms; the health report names what it found);</item>
/// <item>the health check service's first pass (~25 ms; <c>/health/live</c> runs no check, nor does this).</item>
/// </list>
/// All are kept once built: whichever thread asks first builds them, and the other waits for it or finds them. Only
/// when they are built changes.
/// </summary>
public static class StartWarmUp
{
    public static WebApplication WarmUpInBackground(this WebApplication app)
    {
        _ = Task.Run(async () =>
        {
            try
            {
                app.Services.GetService<MeterProvider>();
                var json = app.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
                foreach (var body in typeof(IRequestBody).Assembly.GetTypes().Where(t => t.IsClass && t.IsAssignableTo(typeof(IRequestBody))))
                {
                    json.GetTypeInfo(body);
                }

                app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
                app.Services.GetRequiredService<Application.Jobs.IJobContainment>();
                await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(_ => false);
            }
            catch (Exception)
            {
                // The start asks for them again, and fails with the reason (a bad setting) where it always did.
            }
        });
        return app;
    }
}
