using System.Collections.Concurrent;
using System.Diagnostics;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Workspaces;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Infrastructure.Jobs;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Workspaces;

/// <summary>
/// Makes a job's workspace the cheapest way the filesystems allow, never with hardlinks (a job editing a file in
/// place must not change the master): a btrfs snapshot when the master is a subvolume, else a reflink copy
/// (<see cref="TreeCopy"/> with <c>FICLONE</c>: XFS, btrfs, …), else a full copy (<see cref="TreeCopy"/>, bytes
/// copied), all in the server's process. What worked is remembered and tried first; when it
/// fails, the chain is walked again. A forced <c>Workspace:CopyStrategy</c> that fails fails the job, saying why.
/// </summary>
internal sealed class CopyOnWriteWorkspaceCloner(WorkspaceOptions options, JobPaths paths, ILogger<CopyOnWriteWorkspaceCloner> logger)
    : IWorkspaceCloner
{
    public const string BtrfsSnapshot = "btrfs-snapshot";
    public const string Reflink = "reflink";
    public const string FullCopy = "full-copy";

    private readonly ConcurrentDictionary<string, string> worked = new();
    private string? detected;

    public async Task<WorkspaceCopy> CloneAsync(string masterPath, string workspacePath, CancellationToken cancellationToken)
    {
        PrivateJobFolders.CreateJobFolder(Path.GetDirectoryName(workspacePath)!);
        await Btrfs.DeleteTreeAsync(workspacePath, cancellationToken);
        var key = $"{Path.GetDirectoryName(masterPath)}|{Path.GetDirectoryName(Path.GetDirectoryName(workspacePath))}";
        var candidates = Candidates(masterPath, workspacePath, key);

        for (var i = 0; ; i++)
        {
            var strategy = candidates[i];
            var watch = Stopwatch.StartNew();
            try
            {
                var (files, bytes) = await CopyAsync(strategy, masterPath, workspacePath, cancellationToken);
                worked[key] = strategy;
                detected = strategy;
                return new WorkspaceCopy(strategy, files, bytes, watch.Elapsed.TotalMilliseconds);
            }
            catch (IOException e) when (i + 1 < candidates.Count)
            {
                logger.LogInformation("Workspace strategy {Strategy} is not available here ({Reason}); trying {Next}", strategy, e.Message, candidates[i + 1]);
                worked.TryRemove(key, out _);
                detected = null;
                await Btrfs.DeleteTreeAsync(workspacePath, cancellationToken);
            }
            catch (IOException e) when (options.CopyStrategy != "auto")
            {
                await Btrfs.DeleteTreeAsync(workspacePath, CancellationToken.None);
                throw new IOException($"Workspace:CopyStrategy is '{strategy}', which does not work for {masterPath} → {workspacePath}: {e.Message}", e);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // Nothing half-copied stays behind (a full disk, a cancelled job).
                await Btrfs.DeleteTreeAsync(workspacePath, CancellationToken.None);
                throw e is IOException ? new IOException($"The workspace could not be made ({strategy}): {FirstLine(e.Message)}", e) : e;
            }
        }
    }

    public Task<FolderRemoval> RemoveJobFolderAsync(string jobId, CancellationToken cancellationToken) =>
        RemoveAsync(jobId, [paths.Workspace(jobId), paths.Folder(jobId)], cancellationToken);

    public Task<FolderRemoval> RemoveWorkspaceAsync(string jobId, CancellationToken cancellationToken) =>
        RemoveAsync(jobId, [paths.Workspace(jobId)], cancellationToken);

    /// <summary>
    /// Removes each of <paramref name="trees"/> in turn, without following links (the workspace first, on its own, so a
    /// snapshot goes whole). Each lies in a folder only the server can change: the jobs folder, or the job's folder.
    /// </summary>
    private async Task<FolderRemoval> RemoveAsync(string jobId, string[] trees, CancellationToken cancellationToken)
    {
        try
        {
            var removed = false;
            foreach (var tree in trees)
            {
                removed |= await Btrfs.DeleteTreeAsync(tree, cancellationToken);
            }

            return removed ? FolderRemoval.Done : FolderRemoval.NothingThere;
        }
        catch (IOException e)
        {
            logger.LogWarning("The files of job {JobId} could not all be removed; retention will try again: {Reason}", jobId, e.Message);
            return FolderRemoval.Failed(e.Message);
        }
    }

    public async Task<string> DetectStrategyAsync(CancellationToken cancellationToken)
    {
        if (options.CopyStrategy != "auto")
        {
            return options.CopyStrategy;
        }

        return detected ??= await ProbeAsync(cancellationToken);
    }

    /// <summary>What the two folders support: btrfs → snapshots; a reflink copy of a probe file → reflink; else a full copy.</summary>
    private Task<string> ProbeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.RepositoriesPath);
        Directory.CreateDirectory(options.JobsPath);
        // Both on btrfs: snapshots (if they are two filesystems, the first clone falls back and this is detected again).
        if (Btrfs.IsBtrfs(options.RepositoriesPath) && Btrfs.IsBtrfs(options.JobsPath))
        {
            return Task.FromResult(BtrfsSnapshot);
        }

        var source = Path.Combine(options.RepositoriesPath, $".reflink-probe-{Guid.NewGuid():N}");
        var target = Path.Combine(options.JobsPath, $".reflink-probe-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(source);
            File.WriteAllBytes(Path.Combine(source, "probe"), new byte[4096]);
            TreeCopy.Copy(source, target, reflink: true, cancellationToken);
            return Task.FromResult(Reflink);
        }
        catch (IOException)
        {
            return Task.FromResult(FullCopy);
        }
        finally
        {
            TreeRemoval.Remove(options.RepositoriesPath, Path.GetFileName(source));
            TreeRemoval.Remove(options.JobsPath, Path.GetFileName(target));
        }
    }

    public long AvailableBytes(string path)
    {
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        return new DriveInfo(existing).AvailableFreeSpace;
    }

    private List<string> Candidates(string master, string workspace, string key)
    {
        if (options.CopyStrategy != "auto")
        {
            return [options.CopyStrategy];
        }

        var chain = new List<string>();
        if (worked.TryGetValue(key, out var known))
        {
            chain.Add(known);
        }

        if (Btrfs.IsBtrfs(workspace) && Btrfs.IsSubvolume(master))
        {
            chain.Add(BtrfsSnapshot);
        }

        chain.Add(Reflink);
        chain.Add(FullCopy);
        return chain.Distinct().ToList();
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>Makes the workspace; answers the files it holds and their bytes.</summary>
    private static Task<(long Files, long Bytes)> CopyAsync(string strategy, string master, string workspace, CancellationToken cancellationToken) => strategy switch
    {
        BtrfsSnapshot => SnapshotAsync(master, workspace, cancellationToken),
        Reflink => Task.Run(() => TreeCopy.Copy(master, workspace, reflink: true, cancellationToken), cancellationToken),
        _ => Task.Run(() => TreeCopy.Copy(master, workspace, reflink: false, cancellationToken), cancellationToken),
    };

    private static async Task<(long Files, long Bytes)> SnapshotAsync(string master, string workspace, CancellationToken cancellationToken)
    {
        // The snapshot is the master exactly: count the master, whose metadata is cached, meanwhile.
        var size = Task.Run(() => FolderSize.Measure(master), cancellationToken);
        Btrfs.Snapshot(master, workspace);
        return await size;
    }
}
