using System.Diagnostics;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Files;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// A full, independent copy of the master clone (<c>cp -a</c>: modes, times and symlinks kept, nothing hardlinked
/// to the master), so a job that edits a file in place can never change the master.
/// </summary>
internal sealed class FullCopyWorkspaceCloner(JobPaths paths) : IWorkspaceCloner
{
    public const string Strategy = "full-copy";

    public async Task<WorkspaceCopy> CloneAsync(string masterPath, string workspacePath, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(Path.GetDirectoryName(workspacePath)!);
        if (Directory.Exists(workspacePath))
        {
            Directory.Delete(workspacePath, recursive: true);
        }

        await ProcessRunner.RunCheckedAsync("cp", ["-a", "--reflink=never", "--no-target-directory", masterPath, workspacePath], cancellationToken);
        var (files, bytes) = FolderSize.Measure(workspacePath);
        return new WorkspaceCopy(Strategy, files, bytes, watch.Elapsed.TotalMilliseconds);
    }

    public Task<bool> RemoveJobFolderAsync(string jobId, CancellationToken cancellationToken)
    {
        var folder = paths.Folder(jobId);
        if (!Directory.Exists(folder))
        {
            return Task.FromResult(false);
        }

        Directory.Delete(folder, recursive: true);
        return Task.FromResult(true);
    }
}
