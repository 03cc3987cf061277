using ClaudeBatch.Application.Jobs;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>Every hour (and shortly after start), removes the workspaces of jobs finished more than Jobs:RetentionDays ago.</summary>
internal sealed class WorkspaceRetention(IServiceScopeFactory scopes, JobsOptions options, TimeProvider clock, ILogger<WorkspaceRetention> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var removed = await scope.ServiceProvider.GetRequiredService<ISender>().Send(
                        new RemoveExpiredWorkspaces(clock.GetUtcNow().AddDays(-options.RetentionDays)), stoppingToken);
                    if (removed > 0)
                    {
                        logger.LogInformation("Retention removed {Count} workspace(s) of jobs finished over {Days} days ago", removed, options.RetentionDays);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Workspace retention failed; it will try again in {Interval}", Interval);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // The server is stopping.
        }
    }
}
