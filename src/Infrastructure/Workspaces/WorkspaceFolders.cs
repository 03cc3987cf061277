using ClaudeBatch.Application.Workspaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Workspaces;

/// <summary>Creates the repositories and jobs folders at start; if it cannot, readiness reports why.</summary>
internal sealed class WorkspaceFolders(WorkspaceOptions options, ILogger<WorkspaceFolders> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var path in new[] { options.RepositoriesPath, options.JobsPath })
        {
            try
            {
                Directory.CreateDirectory(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError("Cannot create workspace folder {Path}: {Reason}", path, e.Message);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class WorkspaceFoldersRegistration
{
    public static IServiceCollection AddWorkspaceFolders(this IServiceCollection services) =>
        services.AddHostedService<WorkspaceFolders>();
}
