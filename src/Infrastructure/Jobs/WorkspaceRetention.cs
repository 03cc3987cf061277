using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wolverine;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>One occurrence of the retention schedule (<c>Jobs:RetentionSchedule</c>, a cron expression).</summary>
public sealed record SweepExpiredWorkspaces(DateTimeOffset Occurrence);

/// <summary>
/// Retention as a Wolverine recurring message: the schedule lives in PostgreSQL with the other durable
/// messages, so a restart neither loses an occurrence nor runs it twice. Each occurrence removes the workspaces
/// of jobs finished more than <c>Jobs:RetentionDays</c> ago.
/// </summary>
public static class WorkspaceRetention
{
    public const string ScheduleName = "workspace-retention";

    /// <summary>
    /// Registers the schedule, <see cref="JobsOptions.RetentionSchedule"/>; an expression that is not cron is left out
    /// here, and the options' check at start stops the server naming the key.
    /// </summary>
    public static void ScheduleWorkspaceRetention(this WolverineOptions options, JobsOptions jobs)
    {
        if (CronSchedule.TryParse(jobs.RetentionSchedule, TimeZoneInfo.Utc, out var schedule))
        {
            options.Schedules.ScheduleRecurring(ScheduleName, schedule, occurrence => new SweepExpiredWorkspaces(occurrence));
        }
    }
}

public static class SweepExpiredWorkspacesHandler
{
    public static async Task Handle(SweepExpiredWorkspaces sweep, IServiceScopeFactory scopes, JobsOptions options, TimeProvider clock,
        ILogger<SweepExpiredWorkspaces> logger, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var removed = await scope.ServiceProvider.GetRequiredService<RemoveExpiredWorkspaces.Handler>()
            .HandleAsync(new RemoveExpiredWorkspaces(clock.GetUtcNow().AddDays(-options.RetentionDays)), cancellationToken);
        if (removed > 0)
        {
            logger.LogInformation("Retention removed {Count} workspace(s) of jobs finished over {Days} days ago", removed, options.RetentionDays);
        }
    }
}
