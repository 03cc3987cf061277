using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClaudeBatch.Infrastructure.Containers;

/// <summary>Readiness shows whether Docker answers; without it jobs still run (cidx gets the unavailable prompt), so it only degrades.</summary>
public sealed class DockerHealthCheck(CidxContainers containers, DockerOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["endpoint"] = options.Endpoint };
        return await containers.PingAsync(cancellationToken) is { } problem
            ? HealthCheckResult.Degraded($"Docker does not answer ({problem}); semantic search is unavailable to jobs.", data: data)
            : HealthCheckResult.Healthy("Docker answers.", data);
    }
}
