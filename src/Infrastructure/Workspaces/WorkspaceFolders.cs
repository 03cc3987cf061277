using System.Diagnostics;
using ClaudeBatch.Application.Workspaces;
using ClaudeBatch.Infrastructure.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Workspaces;

/// <summary>
/// Creates the repositories and jobs folders at start; if it cannot, readiness reports why. The jobs folder is 0711:
/// a job's user passes through it to their workspace, nobody lists it. The repositories folder keeps the usual 0755:
/// any user may run a job on any repository, so the master clones hold nothing one user may keep from another.
/// </summary>
internal sealed class WorkspaceFolders(WorkspaceOptions options, ILogger<WorkspaceFolders> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var path in new[] { options.RepositoriesPath, options.JobsPath })
        {
            try
            {
                Directory.CreateDirectory(path);
                if (path == options.JobsPath)
                {
                    PrivateJobFolders.RestrictJobsFolder(path);
                }
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

/// <summary>
/// Job folders left by an older server, with readable uploads and transcripts, are made private once at start, in the
/// background: the server answers meanwhile (10,000 job folders take about a second).
/// </summary>
internal sealed class PrivateJobFoldersRepair(WorkspaceOptions options, ILogger<PrivateJobFoldersRepair> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var (folders, changed) = PrivateJobFolders.RepairAll(options.JobsPath, stoppingToken);
            if (changed > 0)
            {
                logger.LogInformation("Made {Changed} files and folders private in {Folders} job folders ({Milliseconds} ms)",
                    changed, folders, (long)watch.Elapsed.TotalMilliseconds);
            }
        }
        catch (IOException e)
        {
            logger.LogError("Could not make the job folders under {Path} private: {Reason}", options.JobsPath, e.Message);
        }
    }, stoppingToken);
}

public static class WorkspaceFoldersRegistration
{
    public static IServiceCollection AddWorkspaceFolders(this IServiceCollection services) =>
        services.AddHostedService<WorkspaceFolders>().AddHostedService<PrivateJobFoldersRepair>();
}
