using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Infrastructure.Processes;

namespace ClaudeBatch.Infrastructure.Workspaces;

/// <summary>btrfs subvolumes through btrfs-progs: master clones become subvolumes so a workspace is one snapshot.</summary>
internal static class Btrfs
{
    public static bool IsBtrfs(string path)
    {
        try
        {
            return new DriveInfo(ExistingAncestor(path)).DriveFormat == "btrfs";
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static async Task<bool> IsSubvolumeAsync(string path, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path) || !IsBtrfs(path))
        {
            return false;
        }

        try
        {
            await ProcessRunner.RunCheckedAsync("btrfs", ["subvolume", "show", path], cancellationToken);
            return true;
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public static Task CreateSubvolumeAsync(string path, CancellationToken cancellationToken) =>
        ProcessRunner.RunCheckedAsync("btrfs", ["subvolume", "create", path], cancellationToken);

    public static Task SnapshotAsync(string source, string destination, CancellationToken cancellationToken) =>
        ProcessRunner.RunCheckedAsync("btrfs", ["subvolume", "snapshot", source, destination], cancellationToken);

    /// <summary>
    /// Removes <paramref name="path"/> (a folder tree, a file or a link; false if nothing was there) without following
    /// any link in it (<see cref="TreeRemoval"/>). Only <paramref name="path"/> itself is looked up by name: every folder
    /// on it must be one only the server can change. A btrfs subvolume (a snapshot workspace, a master clone) is
    /// destroyed whole by btrfs-progs, which does not walk it (30 ms where emptying 20,000 files takes 1.2 s); one holding
    /// a subvolume its user made (any user may make one) is refused by btrfs, and is emptied and removed like a folder
    /// instead (rmdir removes an empty subvolume since Linux 4.18). Throws <see cref="IOException"/> when something
    /// could not be removed; what is left stays.
    /// </summary>
    public static async Task<bool> DeleteTreeAsync(string path, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(path) ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        var name = Path.GetFileName(path);
        if (IsSubvolumeRoot(parent, name))
        {
            try
            {
                await ProcessRunner.RunCheckedAsync("btrfs", ["subvolume", "delete", path], cancellationToken);
                return true;
            }
            catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
            {
                // It holds another subvolume (or btrfs-progs is missing): take it apart entry by entry.
            }
        }

        return await Task.Run(() => TreeRemoval.Remove(parent, name), CancellationToken.None);
    }

    /// <summary>The root folder of a btrfs subvolume has inode 256 (BTRFS_FIRST_FREE_OBJECTID); no other file has.</summary>
    private static bool IsSubvolumeRoot(string parent, string name)
    {
        if (LinuxFs.OpenDirectory(parent, out var directory) != 0)
        {
            directory.Dispose();
            return false;
        }

        using (directory)
        {
            return LinuxFs.StatEntry(directory, name, out var status) == 0
                && status is { Kind: FileKind.Directory, Inode: 256 }
                && IsBtrfs(parent);
        }
    }

    private static string ExistingAncestor(string path)
    {
        var current = Path.GetFullPath(path);
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }
}
