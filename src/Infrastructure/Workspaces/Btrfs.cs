using ClaudeBatch.Infrastructure.Jobs;

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

    /// <summary>Removes a folder as it was made: a subvolume with btrfs-progs, anything else recursively (links not followed).</summary>
    public static async Task DeleteTreeAsync(string path, CancellationToken cancellationToken)
    {
        if (await IsSubvolumeAsync(path, cancellationToken))
        {
            await ProcessRunner.RunCheckedAsync("btrfs", ["subvolume", "delete", path], cancellationToken);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
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
