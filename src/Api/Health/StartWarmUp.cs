using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace ClaudeBatch.Api.Health;

/// <summary>
/// Builds on the second core, while the main thread maps the routes and starts Kestrel, two things the way to the first
/// <c>/health/live</c> would otherwise build in turn (issue #20): OpenTelemetry's <see cref="MeterProvider"/> (~55 ms; the
/// host's start validates the metrics listeners, which need it) and the bearer scheme's options (~45 ms; the first
/// request's authentication asks for them). Both are kept once built: whichever thread asks first builds them and the
/// other waits for it. Only when they are built changes.
/// </summary>
public static class StartWarmUp
{
    public static WebApplication WarmUpInBackground(this WebApplication app)
    {
        _ = Task.Run(() =>
        {
            try
            {
                app.Services.GetService<MeterProvider>();
                app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
            }
            catch (Exception)
            {
                // The start asks for them again, and fails with the reason (a bad setting) where it always did.
            }
        });
        return app;
    }
}
