using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    public const string DefaultSchedule = "0 * * * *";

    /// <summary>Registers the schedule; an invalid expression stops the server naming the key.</summary>
    public static void ScheduleWorkspaceRetention(this WolverineOptions options, IConfiguration configuration)
    {
        var expression = configuration[$"{JobsOptions.Section}:RetentionSchedule"] ?? DefaultSchedule;
        if (!CronSchedule.TryParse(expression, TimeZoneInfo.Utc, out var schedule))
        {
            throw new OptionsValidationException($"{JobsOptions.Section}:RetentionSchedule", typeof(JobsOptions),
                [$"{JobsOptions.Section}:RetentionSchedule: '{expression}' is not a cron expression (5 fields, or 6 with seconds first)"]);
        }

        options.Schedules.ScheduleRecurring(ScheduleName, schedule, occurrence => new SweepExpiredWorkspaces(occurrence));
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
