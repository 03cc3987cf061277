using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ClaudeBatch.Api.Logging;

/// <summary>
/// Serilog: readable console in Development, compact JSON elsewhere, and a daily rolling JSON file when
/// <c>Logging:FilePath</c> is set. Request logs carry method, path (never the query string) and elapsed time.
/// </summary>
public static class LoggingSetup
{
    public static WebApplicationBuilder AddServerLogging(this WebApplicationBuilder builder)
    {
        var filePath = builder.Configuration["Logging:FilePath"];
        var development = builder.Environment.IsDevelopment();
        // The static Log.Logger is left alone: several hosts in one process (the tests) each keep their own logger.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            // Defaults first, so a Serilog section in configuration can override any of them.
            logger
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Warning)
                .MinimumLevel.Override("Wolverine", LogEventLevel.Warning)
                .MinimumLevel.Override("Marten", LogEventLevel.Warning)
                .MinimumLevel.Override("JasperFx", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                // The sinks and formatters this server ships, named rather than found by scanning every assembly of the
                // application for "Serilog" at each start (~30 ms, issue #20); a "Using" section still loads others.
                .ReadFrom.Configuration(builder.Configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions(
                    typeof(ConsoleLoggerConfigurationExtensions).Assembly,
                    typeof(FileLoggerConfigurationExtensions).Assembly,
                    typeof(CompactJsonFormatter).Assembly));

            if (development)
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
            else
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }

            if (!string.IsNullOrWhiteSpace(filePath))
            {
                logger.WriteTo.File(
                    new CompactJsonFormatter(),
                    Infrastructure.Configuration.HomePath.Expand(filePath),
                    rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: 14,
                    shared: true,
                    flushToDiskInterval: TimeSpan.FromSeconds(1));
            }
        });
        return builder;
    }

    /// <summary>One line per request with its elapsed time, written by this host's own logger.</summary>
    public static WebApplication UseServerRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options => options.Logger = app.Services.GetRequiredService<Serilog.ILogger>());
        return app;
    }
}
