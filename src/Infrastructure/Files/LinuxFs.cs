using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

public enum FileKind
{
    Unknown,
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
}

/// <summary>What <c>statx</c> says of one file (never of where a link leads, unless the file was opened through it).</summary>
public readonly record struct FileStatus(
    FileKind Kind, UnixFileMode Permissions, int Uid, int Gid, long Size, DateTimeOffset Modified, ulong Device, ulong Inode, uint Links);

/// <summary>
/// The Linux file calls that work on descriptors rather than names: <c>openat2</c> (Linux ≥ 5.6) with its resolve
/// flags, <c>openat</c>, <c>statx</c>, <c>getdents64</c>, <c>unlinkat</c>, <c>mkdirat</c>, <c>fchmod</c>,
/// <c>fchown</c>. With them root can walk a tree the job's user controls without a name ever being looked up twice:
/// what was checked is what is used. Calls return the errno (0 for success) where the caller decides what a
/// failure means; descriptors are <see cref="SafeFileHandle"/>s, closed on dispose.
/// </summary>
public static unsafe partial class LinuxFs
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EPERM = 1;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;

    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int NoControllingTerminal = 0x100;
    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;
    public const int PathOnly = 0x200000;

    /// <summary><c>O_DIRECTORY</c>: its value differs between x86-64 and arm64.</summary>
    public static int Directory { get; } = IsArm64 ? 0x4000 : 0x10000;

    /// <summary><c>O_NOFOLLOW</c>: its value differs between x86-64 and arm64.</summary>
    public static int NoFollow { get; } = IsArm64 ? 0x8000 : 0x20000;

    /// <summary><c>RESOLVE_NO_MAGICLINKS</c>: no <c>/proc/self/fd/N</c>-style jumps.</summary>
    public const ulong ResolveNoMagicLinks = 0x02;

    /// <summary><c>RESOLVE_BENEATH</c>: every step of the lookup, links included, must stay beneath the starting directory.</summary>
    public const ulong ResolveBeneath = 0x08;

    private const int AtSymlinkNoFollow = 0x100;
    private const int AtRemoveDir = 0x200;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const long SysOpenat2 = 437;

    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    /// <summary>Opens a server-owned directory by its absolute path, refusing a link as the last component.</summary>
    public static int OpenDirectory(string path, out SafeFileHandle handle) =>
        Wrap(open(path, ReadOnly | Directory | NoFollow | CloseOnExec, 0), out handle);

    /// <summary>
    /// <c>openat2(root, relative, flags, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | extra)</c>: links are followed
    /// by the kernel's rules while they stay beneath <paramref name="root"/>; anything leading out is <see cref="EXDEV"/>.
    /// </summary>
    public static int OpenBeneath(SafeFileHandle root, string relative, int flags, out SafeFileHandle handle, ulong extraResolve = 0)
    {
        var how = new OpenHow { Flags = (ulong)(flags | CloseOnExec), Mode = 0, Resolve = ResolveBeneath | ResolveNoMagicLinks | extraResolve };
        var path = Encoding.UTF8.GetBytes((relative.Length == 0 ? "." : relative) + "\0");

        var added = false;
        root.DangerousAddRef(ref added);
        try
        {
            long fd;
            fixed (byte* p = path)
            {
                fd = syscall(SysOpenat2, root.DangerousGetHandle(), (nint)p, (nint)(&how), sizeof(OpenHow));
            }

            return Wrap((int)fd, out handle);
        }
        finally
        {
            if (added)
            {
                root.DangerousRelease();
            }
        }
    }

    /// <summary><c>openat(dir, name, flags, mode)</c> for one name in <paramref name="directory"/>.</summary>
    public static int OpenAt(SafeFileHandle directory, string name, int flags, UnixFileMode mode, out SafeFileHandle handle) =>
        Wrap(openat(directory, name, flags | CloseOnExec, (int)mode), out handle);

    /// <summary>What the descriptor refers to.</summary>
    public static FileStatus Stat(SafeFileHandle handle)
    {
        var error = StatAt(handle, "", AtEmptyPath, out var status);
        return error == 0 ? status : throw Failure(error, "statx");
    }

    /// <summary>The entry <paramref name="name"/> of <paramref name="directory"/> itself: a link is described, not followed.</summary>
    public static int StatEntry(SafeFileHandle directory, string name, out FileStatus status) =>
        StatAt(directory, name, AtSymlinkNoFollow, out status);

    /// <summary>The names in a directory (not <c>.</c> or <c>..</c>), with the kind the directory records when it records one.</summary>
    public static List<(string Name, FileKind Kind)> ReadDirectory(SafeFileHandle directory, int max = int.MaxValue)
    {
        var entries = new List<(string, FileKind)>();
        var buffer = new byte[32 * 1024];
        while (entries.Count < max)
        {
            nint read;
            fixed (byte* p = buffer)
            {
                read = getdents64(directory, p, buffer.Length);
            }

            if (read < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error == EINTR)
                {
                    continue;
                }

                throw Failure(error, "getdents64");
            }

            if (read == 0)
            {
                break;
            }

            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            var offset = 0;
            long next = 0;
            while (offset < read && entries.Count < max)
            {
                next = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(offset + 8));
                var length = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 16));
                var type = buffer[offset + 18];
                var nameBytes = buffer.AsSpan(offset + 19, length - 19);
                var name = Encoding.UTF8.GetString(nameBytes[..nameBytes.IndexOf((byte)0)]);
                if (name is not "." and not "..")
                {
                    entries.Add((name, KindOfDirectoryType(type)));
                }

                offset += length;
            }

            // Stopped at max inside what the kernel returned: the next read starts at the first entry not taken
            // (d_off is the position after an entry), or it would be skipped.
            if (offset < read && lseek(directory, next, 0) < 0)
            {
                throw Failure(Marshal.GetLastPInvokeError(), "lseek");
            }
        }

        return entries;
    }

    /// <summary>Removes the entry itself (a link is removed, never followed); <paramref name="isDirectory"/> for an empty directory.</summary>
    public static int UnlinkAt(SafeFileHandle directory, string name, bool isDirectory) =>
        unlinkat(directory, name, isDirectory ? AtRemoveDir : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Reads the directory again from its first entry (<c>lseek(fd, 0, SEEK_SET)</c>).</summary>
    public static void Rewind(SafeFileHandle directory)
    {
        if (lseek(directory, 0, 0) < 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "lseek");
        }
    }

    public static int MakeDirectoryAt(SafeFileHandle directory, string name, UnixFileMode mode) =>
        mkdirat(directory, name, (int)mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void ChangeMode(SafeFileHandle handle, UnixFileMode mode)
    {
        if (fchmod(handle, (int)mode) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "fchmod");
        }
    }

    public static void ChangeOwner(SafeFileHandle handle, int uid, int gid)
    {
        if (fchown(handle, uid, gid) != 0)
        {
            throw Failure(Marshal.GetLastPInvokeError(), "fchown");
        }
    }

    /// <summary>An <see cref="IOException"/> naming the call and the errno.</summary>
    public static IOException Failure(int errno, string call) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);

    private static int StatAt(SafeFileHandle directory, string name, int flags, out FileStatus status)
    {
        var buffer = stackalloc byte[256];
        if (statx(directory, name, flags, StatxBasicStats, buffer) != 0)
        {
            status = default;
            return Marshal.GetLastPInvokeError();
        }

        var span = new ReadOnlySpan<byte>(buffer, 256);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
        var modifiedSeconds = BinaryPrimitives.ReadInt64LittleEndian(span[112..]);
        var modifiedNanoseconds = BinaryPrimitives.ReadUInt32LittleEndian(span[120..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[140..]);
        status = new FileStatus(
            KindOfMode(mode),
            (UnixFileMode)(mode & 0xfff),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]),
            (int)BinaryPrimitives.ReadUInt32LittleEndian(span[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[40..]),
            DateTimeOffset.FromUnixTimeSeconds(modifiedSeconds).AddTicks(modifiedNanoseconds / 100),
            device,
            BinaryPrimitives.ReadUInt64LittleEndian(span[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[16..]));
        return 0;
    }

    private static FileKind KindOfMode(int mode) => (mode & 0xf000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0xa000 => FileKind.Symlink,
        0x1000 => FileKind.Fifo,
        0xc000 => FileKind.Socket,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        _ => FileKind.Unknown,
    };

    private static FileKind KindOfDirectoryType(byte type) => type switch
    {
        8 => FileKind.Regular,
        4 => FileKind.Directory,
        10 => FileKind.Symlink,
        1 => FileKind.Fifo,
        12 => FileKind.Socket,
        2 => FileKind.CharacterDevice,
        6 => FileKind.BlockDevice,
        _ => FileKind.Unknown,
    };

    private static int Wrap(int fd, out SafeFileHandle handle)
    {
        if (fd < 0)
        {
            handle = new SafeFileHandle();
            return Marshal.GetLastPInvokeError();
        }

        handle = new SafeFileHandle(fd, ownsHandle: true);
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(SafeFileHandle directory, string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint a, nint b, nint c, nint d);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(SafeFileHandle directory, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(SafeFileHandle directory, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat(SafeFileHandle directory, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(SafeFileHandle directory, string path, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(SafeFileHandle handle, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchmod(SafeFileHandle handle, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fchown(SafeFileHandle handle, int uid, int gid);
}
