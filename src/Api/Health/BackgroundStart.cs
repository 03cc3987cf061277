using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClaudeBatch.Api.Health;

/// <summary>
/// Lets Kestrel answer <c>/health/live</c> while the slow part of a start runs: Marten's and Wolverine's schema checks,
/// the durability agent, the recovery of interrupted jobs and the other hosted services. They are started one after
/// the other, in their registration order as the host would, but in the background once Kestrel listens, instead of
/// before. Until they all have started:
/// <list type="bullet">
/// <item><c>/health/live</c> answers; <c>/health/ready</c> and <c>/health</c> answer 503 (check <c>start</c>);</item>
/// <item>every other request waits for the start (at most <see cref="RequestWait"/>, then 503 with Retry-After), so a
/// client sees a slower first answer, never one from a half-started server;</item>
/// <item>if one of them fails, the server stops and exits non-zero with the reason, as a failed start always did.</item>
/// </list>
/// </summary>
public sealed class BackgroundStart(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<BackgroundStart> logger)
    : IHostedService
{
    /// <summary>The key under which the deferred hosted services are registered instead.</summary>
    internal const string Deferred = "claudebatch:started-in-background";

    public static readonly TimeSpan RequestWait = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stopping = new();
    private readonly List<IHostedService> running = [];
    private Task? starting;

    /// <summary>Completes once every deferred service has started; faults with the reason when one could not.</summary>
    public Task Started => done.Task;

    /// <summary>Why the start failed, once it has.</summary>
    public Exception? Failure => done.Task.Exception?.InnerException;

    Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        // Once Kestrel listens (the host starts it last), so that the way to the first answer has the CPU to itself.
        lifetime.ApplicationStarted.Register(() =>
        {
            lock (running)
            {
                starting ??= Task.Run(StartAllAsync, CancellationToken.None);
            }
        });
        return Task.CompletedTask;
    }

    private async Task StartAllAsync()
    {
        try
        {
            foreach (var service in services.GetKeyedServices<IHostedService>(Deferred))
            {
                stopping.Token.ThrowIfCancellationRequested();
                await service.StartAsync(stopping.Token);
                lock (running)
                {
                    running.Add(service);
                }
            }

            done.TrySetResult();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            done.TrySetCanceled();
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "The server could not start: {Message}", e.Message);
            done.TrySetException(e);
            lifetime.StopApplication();
        }
    }

    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        Task? start;
        lock (running)
        {
            // Never started (the host stopped before Kestrel listened): nothing will start any more.
            start = starting ??= Task.CompletedTask;
        }

        done.TrySetCanceled();
        await start.WaitAsync(cancellationToken);

        List<IHostedService> started;
        lock (running)
        {
            started = [.. running];
            running.Clear();
        }

        // As the host would: in the reverse order of their start.
        started.Reverse();
        foreach (var service in started)
        {
            try
            {
                await service.StopAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Stopping {Service} failed", service.GetType().Name);
            }
        }
    }
}

public static class BackgroundStartSetup
{
    /// <summary>
    /// Moves every hosted service registered so far behind <see cref="BackgroundStart"/> (call it last, after every
    /// registration; Kestrel's own service is added by the host when it is built, so it stays in front).
    /// </summary>
    public static IServiceCollection StartHostedServicesInBackground(this IServiceCollection services)
    {
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService) && !d.IsKeyedService).ToList();
        foreach (var descriptor in hosted)
        {
            services.Remove(descriptor);
            services.Add(descriptor switch
            {
                { ImplementationInstance: { } instance } => ServiceDescriptor.KeyedSingleton(typeof(IHostedService), BackgroundStart.Deferred, instance),
                { ImplementationFactory: { } factory } => ServiceDescriptor.KeyedSingleton<IHostedService>(BackgroundStart.Deferred, (sp, _) => (IHostedService)factory(sp)),
                _ => ServiceDescriptor.KeyedSingleton(typeof(IHostedService), BackgroundStart.Deferred, descriptor.ImplementationType!),
            });
        }

        services.AddSingleton<BackgroundStart>();
        services.AddHostedService(sp => sp.GetRequiredService<BackgroundStart>());
        return services;
    }

    /// <summary>Requests other than the health endpoints wait until the start is over (see <see cref="BackgroundStart"/>).</summary>
    public static IApplicationBuilder UseBackgroundStartGate(this IApplicationBuilder app)
    {
        var start = app.ApplicationServices.GetRequiredService<BackgroundStart>();
        return app.Use(async (context, next) =>
        {
            if (!start.Started.IsCompletedSuccessfully && !context.Request.Path.StartsWithSegments("/health"))
            {
                try
                {
                    await start.Started.WaitAsync(BackgroundStart.RequestWait, context.RequestAborted);
                }
                catch (Exception e) when (e is TimeoutException || (e is TaskCanceledException && !context.RequestAborted.IsCancellationRequested)
                    || start.Failure is not null)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.Headers.RetryAfter = "5";
                    await Results.Problem(
                        statusCode: StatusCodes.Status503ServiceUnavailable,
                        title: "The server is starting",
                        detail: "The server has not finished starting; try again shortly.",
                        type: "urn:claude-batch:problem:starting").ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });
    }
}

/// <summary>Readiness: unhealthy until every hosted service has started (<see cref="BackgroundStart"/>).</summary>
public sealed class BackgroundStartHealthCheck(BackgroundStart start) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(start.Started.Status switch
        {
            TaskStatus.RanToCompletion => HealthCheckResult.Healthy("Every service has started."),
            TaskStatus.Faulted => HealthCheckResult.Unhealthy($"The start failed: {start.Failure?.Message}"),
            TaskStatus.Canceled => HealthCheckResult.Unhealthy("The server is stopping."),
            _ => HealthCheckResult.Unhealthy("The server is still starting (database schema, message queues)."),
        });
}
