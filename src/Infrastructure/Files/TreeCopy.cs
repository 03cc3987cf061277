using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Copies a folder tree in the server's own process, as <c>cp -a</c> does: folders, regular files, symbolic links
/// (as links, never followed) and hard links within the tree (linked again), each with its owner, mode, and access and
/// modification times (to the nanosecond). With <c>reflink</c> every file's contents are shared with the source
/// (<c>FICLONE</c>, copy-on-write: XFS, btrfs, …); a filesystem that refuses fails the copy
/// (<see cref="IOException"/>: EOPNOTSUPP, EXDEV, EINVAL), so the caller can fall back to a full copy, which copies
/// the bytes (<c>copy_file_range</c>, in the kernel, which may itself share blocks where the filesystem can). Every step is relative to a directory descriptor opened with
/// <c>O_NOFOLLOW</c>; only the source folder and the destination's parent are looked up by path, and the destination
/// must not exist. Extended attributes are not copied. The walk is iterative, at most <see cref="TreeRemoval.MaxDepth"/>
/// folders deep. Answers the regular files copied and their bytes.
/// </summary>
public static unsafe partial class TreeCopy
{
    /// <summary><c>FICLONE</c> = <c>_IOW(0x94, 9, int)</c>.</summary>
    private const uint Ficlone = 0x40049409;

    private const int EINVAL = 22;
    private const int ENOTTY = 25;
    private const int EOPNOTSUPP = 95;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    private static readonly UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static (long Files, long Bytes) Copy(string sourcePath, string destinationPath, bool reflink, CancellationToken cancellationToken)
    {
        var parentPath = Path.GetDirectoryName(destinationPath) ?? throw new ArgumentException($"'{destinationPath}' has no parent folder.", nameof(destinationPath));
        var name = Path.GetFileName(destinationPath);
        Check(LinuxFs.OpenDirectory(sourcePath, out var source), $"open {sourcePath}", source);
        using (source)
        {
            Check(LinuxFs.OpenDirectory(parentPath, out var parent), $"open {parentPath}", parent);
            using (parent)
            {
                var copy = new Walk(reflink, cancellationToken);
                var top = StatOf(source, "", 0x1000 /* AT_EMPTY_PATH */, $"stat {sourcePath}");
                var destination = copy.MakeFolder(parent, name);
                copy.Run(source, destination, top);
                return (copy.Files, copy.Bytes);
            }
        }
    }

    private sealed class Walk(bool reflink, CancellationToken cancellationToken)
    {
        /// <summary>The first copy of each source file with more than one link (device, inode) → its path in the copy.</summary>
        private readonly Dictionary<(ulong, ulong), string> linked = [];
        private SafeFileHandle? root;

        public long Files { get; private set; }

        public long Bytes { get; private set; }

        public SafeFileHandle MakeFolder(SafeFileHandle parent, string name)
        {
            var made = LinuxFs.MakeDirectoryAt(parent, name, PrivateFolder);
            if (made != 0)
            {
                throw LinuxFs.Failure(made, $"mkdir {name}");
            }

            Check(LinuxFs.OpenAt(parent, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var folder), $"open {name}", folder);
            return folder;
        }

        /// <summary>Copies what <paramref name="source"/> holds into the empty <paramref name="destination"/>; takes both descriptors.</summary>
        public void Run(SafeFileHandle source, SafeFileHandle destination, Status top)
        {
            root = destination;
            var levels = new Stack<Level>();
            levels.Push(new Level(source, destination, top, "", LinuxFs.ReadDirectory(source)));
            try
            {
                while (levels.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var level = levels.Peek();
                    Level? deeper = null;
                    while (deeper is null && level.Next < level.Entries.Count)
                    {
                        var name = level.Entries[level.Next++].Name;
                        deeper = CopyEntry(level, name);
                    }

                    if (deeper is not null)
                    {
                        if (levels.Count >= TreeRemoval.MaxDepth)
                        {
                            deeper.Dispose();
                            throw new IOException($"The tree is more than {TreeRemoval.MaxDepth} folders deep.");
                        }

                        levels.Push(deeper);
                        continue;
                    }

                    // Its contents are in: now its owner, mode and times (a read-only folder is filled first).
                    Finish(level.Destination, level.Status, level.Path);
                    levels.Pop().Dispose();
                }
            }
            finally
            {
                foreach (var level in levels)
                {
                    level.Dispose();
                }
            }
        }

        /// <summary>Copies one entry; for a folder, makes it and answers the level to fill.</summary>
        private Level? CopyEntry(Level level, string name)
        {
            var path = level.Path.Length == 0 ? name : $"{level.Path}/{name}";
            var status = StatOf(level.Source, name, AtSymlinkNoFollow, $"stat {path}");
            switch (status.Kind)
            {
                case FileKind.Directory:
                {
                    Check(LinuxFs.OpenAt(level.Source, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var from), $"open {path}", from);
                    try
                    {
                        var entries = LinuxFs.ReadDirectory(from);
                        return new Level(from, MakeFolder(level.Destination, name), status, path, entries);
                    }
                    catch
                    {
                        from.Dispose();
                        throw;
                    }
                }

                case FileKind.Symlink:
                    CopyLink(level, name, path, status);
                    return null;
                case FileKind.Regular:
                    CopyFile(level, name, path, status);
                    return null;
                default:
                    throw new IOException($"'{path}' is not a folder, a file or a link: it is not copied.");
            }
        }

        private void CopyFile(Level level, string name, string path, Status status)
        {
            Files++;
            Bytes += status.Size;
            if (status.Links > 1)
            {
                if (linked.TryGetValue((status.Device, status.Inode), out var first))
                {
                    if (linkat(root!, first, level.Destination, name, 0) != 0)
                    {
                        throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"link {path}");
                    }

                    return;
                }

                linked[(status.Device, status.Inode)] = path;
            }

            Check(LinuxFs.OpenAt(level.Source, name, LinuxFs.ReadOnly | LinuxFs.NoFollow | LinuxFs.NonBlocking, 0, out var from), $"open {path}", from);
            using (from)
            {
                var flags = LinuxFs.WriteOnly | LinuxFs.Create | LinuxFs.Exclusive | LinuxFs.NoFollow;
                Check(LinuxFs.OpenAt(level.Destination, name, flags, UnixFileMode.UserRead | UnixFileMode.UserWrite, out var to), $"create {path}", to);
                using (to)
                {
                    if (reflink)
                    {
                        Clone(from, to, path);
                    }
                    else
                    {
                        CopyBytes(from, to, path);
                    }

                    Finish(to, status, path);
                }
            }
        }

        private static void Clone(SafeFileHandle from, SafeFileHandle to, string path)
        {
            if (ioctl(to, Ficlone, from.DangerousGetHandle()) == 0)
            {
                return;
            }

            var error = Marshal.GetLastPInvokeError();
            throw error is EOPNOTSUPP or LinuxFs.EXDEV or EINVAL or ENOTTY
                ? new IOException($"reflink (FICLONE) refused for {path}: {Marshal.GetPInvokeErrorMessage(error)} (errno {error})", error)
                : LinuxFs.Failure(error, $"FICLONE {path}");
        }

        private static void CopyBytes(SafeFileHandle from, SafeFileHandle to, string path)
        {
            while (true)
            {
                var copied = copy_file_range(from, null, to, null, 1 << 30, 0);
                if (copied == 0)
                {
                    return;
                }

                if (copied > 0)
                {
                    continue;
                }

                var error = Marshal.GetLastPInvokeError();
                if (error == LinuxFs.EINTR)
                {
                    continue;
                }

                if (error is LinuxFs.EXDEV or EINVAL or EOPNOTSUPP or LinuxFs.ENOSYS)
                {
                    CopyThroughBuffer(from, to);
                    return;
                }

                throw LinuxFs.Failure(error, $"copy_file_range {path}");
            }
        }

        /// <summary>Where the kernel cannot copy between the two files: read and write, from where copy_file_range left off.</summary>
        private static void CopyThroughBuffer(SafeFileHandle from, SafeFileHandle to)
        {
            var buffer = new byte[128 * 1024];
            var offset = RandomAccess.GetLength(to);
            int read;
            while ((read = RandomAccess.Read(from, buffer, offset)) > 0)
            {
                RandomAccess.Write(to, buffer.AsSpan(0, read), offset);
                offset += read;
            }
        }

        private void CopyLink(Level level, string name, string path, Status status)
        {
            var target = new byte[Math.Max(256, (int)Math.Min(status.Size + 1, 65536))];
            nint length;
            fixed (byte* p = target)
            {
                length = readlinkat(level.Source, name, p, target.Length);
            }

            if (length < 0)
            {
                throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"readlink {path}");
            }

            if (length >= target.Length)
            {
                throw new IOException($"The link '{path}' changed while it was copied.");
            }

            target[length] = 0;
            fixed (byte* p = target)
            {
                if (symlinkat(p, level.Destination, name) != 0)
                {
                    throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"symlink {path}");
                }
            }

            if (fchownat(level.Destination, name, status.Uid, status.Gid, AtSymlinkNoFollow) != 0 && Marshal.GetLastPInvokeError() != LinuxFs.EPERM)
            {
                throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"chown {path}");
            }

            var times = stackalloc long[] { status.AccessedSeconds, status.AccessedNanoseconds, status.ModifiedSeconds, status.ModifiedNanoseconds };
            if (utimensat(level.Destination, name, times, AtSymlinkNoFollow) != 0)
            {
                throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"utimensat {path}");
            }
        }

        /// <summary>Owner (when the server may give it: as root), then mode (a chown clears set-id bits), then times.</summary>
        private static void Finish(SafeFileHandle handle, Status status, string path)
        {
            if (fchown(handle, status.Uid, status.Gid) != 0 && Marshal.GetLastPInvokeError() != LinuxFs.EPERM)
            {
                throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"chown {path}");
            }

            LinuxFs.ChangeMode(handle, status.Mode);
            var times = stackalloc long[] { status.AccessedSeconds, status.AccessedNanoseconds, status.ModifiedSeconds, status.ModifiedNanoseconds };
            if (futimens(handle, times) != 0)
            {
                throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), $"futimens {path}");
            }
        }
    }

    private sealed class Level(SafeFileHandle source, SafeFileHandle destination, Status status, string path, List<(string Name, FileKind Kind)> entries)
        : IDisposable
    {
        public SafeFileHandle Source { get; } = source;

        public SafeFileHandle Destination { get; } = destination;

        public Status Status { get; } = status;

        /// <summary>Relative to the top of the copy ("" for the top).</summary>
        public string Path { get; } = path;

        public List<(string Name, FileKind Kind)> Entries { get; } = entries;

        public int Next { get; set; }

        public void Dispose()
        {
            Source.Dispose();
            Destination.Dispose();
        }
    }

    private readonly record struct Status(
        FileKind Kind, UnixFileMode Mode, int Uid, int Gid, long Size, uint Links, ulong Device, ulong Inode,
        long AccessedSeconds, long AccessedNanoseconds, long ModifiedSeconds, long ModifiedNanoseconds);

    private static Status StatOf(SafeFileHandle directory, string name, int flags, string what)
    {
        var buffer = stackalloc byte[256];
        if (statx(directory, name, flags, StatxBasicStats, buffer) != 0)
        {
            throw LinuxFs.Failure(Marshal.GetLastPInvokeError(), what);
        }

        var span = new ReadOnlySpan<byte>(buffer, 256);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
        return new Status(
            (mode & 0xf000) switch { 0x8000 => FileKind.Regular, 0x4000 => FileKind.Directory, 0xa000 => FileKind.Symlink, _ => FileKind.Unknown },
            (UnixFileMode)(mode & 0xfff),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[40..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[16..]),
            ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[140..]),
            BinaryPrimitives.ReadUInt64LittleEndian(span[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[64..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[72..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[112..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[120..]));
    }

    private static void Check(int error, string what, SafeFileHandle handle)
    {
        if (error != 0)
        {
            handle.Dispose();
            throw LinuxFs.Failure(error, what);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(SafeFileHandle handle, nuint request, nint argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint copy_file_range(SafeFileHandle from, long* fromOffset, SafeFileHandle to, long* toOffset, nuint length, uint flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(SafeFileHandle directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlinkat(SafeFileHandle directory, string path, byte* buffer, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlinkat(byte* target, SafeFileHandle directory, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int linkat(SafeFileHandle fromDirectory, string fromPath, SafeFileHandle toDirectory, string toPath, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat(SafeFileHandle directory, string path, int uid, int gid, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeFileHandle handle, int uid, int gid);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int futimens(SafeFileHandle handle, long* times);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(SafeFileHandle directory, string path, long* times, int flags);
}
