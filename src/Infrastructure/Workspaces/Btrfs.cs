using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Infrastructure.Processes;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Workspaces;

/// <summary>btrfs subvolumes: master clones become subvolumes (btrfs-progs) so a workspace is one snapshot (an ioctl).</summary>
internal static partial class Btrfs
{
    /// <summary><c>BTRFS_IOC_SNAP_CREATE_V2</c> = <c>_IOW(0x94, 23, struct btrfs_ioctl_vol_args_v2)</c>, a 4,096-byte argument.</summary>
    private const uint SnapCreateV2 = 0x50009417;

    /// <summary><c>BTRFS_SUBVOL_NAME_MAX</c>.</summary>
    private const int SubvolumeNameMax = 4039;

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

    /// <summary>Whether <paramref name="path"/> is the root folder of a btrfs subvolume (its inode is 256), without following a link.</summary>
    public static bool IsSubvolume(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.GetDirectoryName(full) is { } parent && IsSubvolumeRoot(parent, Path.GetFileName(full));
    }

    public static Task CreateSubvolumeAsync(string path, CancellationToken cancellationToken) =>
        ProcessRunner.RunCheckedAsync("btrfs", ["subvolume", "create", path], cancellationToken);

    /// <summary>
    /// A writable snapshot of the subvolume <paramref name="source"/> as <paramref name="destination"/>, which must not
    /// exist: <c>BTRFS_IOC_SNAP_CREATE_V2</c> on the destination's parent folder, as <c>btrfs subvolume snapshot</c>
    /// does, without starting it. Both folders are opened by the server, never through a link.
    /// </summary>
    public static void Snapshot(string source, string destination)
    {
        var name = Encoding.UTF8.GetBytes(Path.GetFileName(destination));
        if (name.Length is 0 or > SubvolumeNameMax)
        {
            throw new IOException($"'{destination}' cannot name a btrfs snapshot.");
        }

        Open(source, out var from);
        using (from)
        {
            Open(Path.GetDirectoryName(destination)!, out var parent);
            using (parent)
            {
                // struct btrfs_ioctl_vol_args_v2 { s64 fd; u64 transid; u64 flags; u64 unused[4]; char name[4040]; }
                var arguments = new byte[4096];
                BinaryPrimitives.WriteInt64LittleEndian(arguments, from.DangerousGetHandle());
                name.CopyTo(arguments, 56);
                if (ioctl(parent, SnapCreateV2, arguments) != 0)
                {
                    throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"btrfs snapshot {source} → {destination}");
                }
            }
        }
    }

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

    private static void Open(string path, out SafeFileHandle directory)
    {
        var error = LinuxFs.OpenDirectory(path, out directory);
        if (error != 0)
        {
            directory.Dispose();
            throw LinuxFs.Failure(error, $"open {path}");
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

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(SafeFileHandle handle, nuint request, byte[] argument);
}
