using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Says how jobs are contained and how their limits are applied. Session containment is a weaker guarantee, not a
/// fault: the check stays healthy and says so in its description and data.
/// </summary>
internal sealed class ContainmentHealthCheck(JobCgroups cgroups) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["mode"] = cgroups.Mode,
            ["memoryLimit"] = cgroups.MemoryLimit,
            ["maxProcesses"] = cgroups.MaxProcesses,
        };
        if (cgroups.Folder is { } folder)
        {
            data["cgroup"] = folder;
        }

        return Task.FromResult(HealthCheckResult.Healthy(cgroups.Description, data));
    }
}

public static class ContainmentHealthRegistration
{
    /// <summary>Adds the <c>containment</c> check (see <see cref="ContainmentHealthCheck"/>).</summary>
    public static IHealthChecksBuilder AddContainmentCheck(this IHealthChecksBuilder builder, params string[] tags) =>
        builder.AddCheck<ContainmentHealthCheck>("containment", tags: tags);
}
