using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Gives a whole tree to one owner, as <c>chown -R -P -h</c> does, in the server's process: every entry is changed
/// itself (<c>fchownat</c> with <c>AT_SYMLINK_NOFOLLOW</c>: a link is changed, never what it leads to), folders are
/// entered only through descriptors opened with <c>O_NOFOLLOW | O_DIRECTORY</c>, and a folder is given away only
/// after everything in it, so the new owner can change nothing in a folder still being walked. Only the server-owned
/// parent folder is looked up by path. At most <see cref="TreeRemoval.MaxDepth"/> folders deep.
/// </summary>
public static partial class TreeOwner
{
    private const int AtSymlinkNoFollow = 0x100;

    /// <summary>
    /// Gives <paramref name="name"/> in <paramref name="parentPath"/> (and all beneath it) to <paramref name="uid"/>:<paramref name="gid"/>;
    /// a folder is then made <paramref name="topMode"/> when given. False if nothing is there.
    /// </summary>
    public static bool Give(string parentPath, string name, int uid, int gid, UnixFileMode? topMode = null)
    {
        var error = LinuxFs.OpenDirectory(parentPath, out var parent);
        using (parent)
        {
            if (error != 0)
            {
                throw LinuxFs.Failure(error, $"open {parentPath}");
            }

            var opened = LinuxFs.OpenAt(parent, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var top);
            if (opened != 0)
            {
                top.Dispose();
                if (opened == LinuxFs.ENOENT)
                {
                    return false;
                }

                if (opened is not (LinuxFs.ENOTDIR or LinuxFs.ELOOP))
                {
                    throw LinuxFs.Failure(opened, $"open {name}");
                }

                Change(parent, name, uid, gid); // a file or a link
                return true;
            }

            var levels = new Stack<(SafeFileHandle Directory, List<(string Name, FileKind Kind)> Entries, int Next)>();
            levels.Push((top, LinuxFs.ReadDirectory(top), 0));
            try
            {
                while (levels.Count > 0)
                {
                    var (directory, entries, next) = levels.Pop();
                    SafeFileHandle? deeper = null;
                    while (deeper is null && next < entries.Count)
                    {
                        var entry = entries[next++].Name;
                        if (LinuxFs.OpenAt(directory, entry, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var child) == 0)
                        {
                            deeper = child;
                        }
                        else
                        {
                            child.Dispose();
                            Change(directory, entry, uid, gid);
                        }
                    }

                    if (deeper is not null)
                    {
                        levels.Push((directory, entries, next));
                        if (levels.Count >= TreeRemoval.MaxDepth)
                        {
                            deeper.Dispose();
                            throw new IOException($"The tree under '{name}' is more than {TreeRemoval.MaxDepth} folders deep.");
                        }

                        levels.Push((deeper, LinuxFs.ReadDirectory(deeper), 0));
                        continue;
                    }

                    // Everything in it is given: now the folder itself.
                    using (directory)
                    {
                        LinuxFs.ChangeOwner(directory, uid, gid);
                        if (levels.Count == 0 && topMode is { } mode)
                        {
                            LinuxFs.ChangeMode(directory, mode);
                        }
                    }
                }

                return true;
            }
            finally
            {
                foreach (var level in levels)
                {
                    level.Directory.Dispose();
                }
            }
        }
    }

    /// <summary>The entry itself, never what a link leads to; one gone meanwhile is nothing to give.</summary>
    private static void Change(SafeFileHandle directory, string name, int uid, int gid)
    {
        if (fchownat(directory, name, uid, gid, AtSymlinkNoFollow) != 0 && Marshal.GetLastPInvokeError() is var error and not LinuxFs.ENOENT)
        {
            throw LinuxFs.Failure(error, $"chown {name}");
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat(SafeFileHandle directory, string path, int uid, int gid, int flags);
}
