using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Workspaces;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClaudeBatch.Api.Health;

/// <summary>Ready only when the repositories and jobs folders exist and the server can write to them.</summary>
public sealed class WorkspaceFoldersHealthCheck(WorkspaceOptions options, IWorkspaceCloner workspaces) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var data = new Dictionary<string, object>();
        foreach (var (key, path) in new[] { ("repositoriesPath", options.RepositoriesPath), ("jobsPath", options.JobsPath) })
        {
            data[key] = path;
            var problem = WritableProblem(path);
            if (problem is not null)
            {
                problems.Add($"{key}: {problem}");
            }
            else
            {
                data[key + "FreeBytes"] = new DriveInfo(path).AvailableFreeSpace;
            }
        }

        if (problems.Count > 0)
        {
            return HealthCheckResult.Unhealthy(string.Join("; ", problems), data: data);
        }

        data["copyStrategy"] = await workspaces.DetectStrategyAsync(cancellationToken);
        data["minFreeBytes"] = options.MinFreeBytes;
        return HealthCheckResult.Healthy("Workspace folders are writable.", data);
    }

    private static string? WritableProblem(string path)
    {
        if (!Directory.Exists(path))
        {
            return "does not exist";
        }

        var probe = Path.Combine(path, $".write-probe-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "is not writable";
        }
    }
}
