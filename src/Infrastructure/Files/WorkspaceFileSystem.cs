using System.Text;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Files;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Lists and reads a job's workspace through a descriptor of its root, never by path name: every lookup is
/// <c>openat2(root, path, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)</c>, so links that stay inside are followed by
/// the kernel's own rules and anything leading out (however many links deep, however swapped meanwhile) is not
/// found. Lookups run with the job user's filesystem credentials (<see cref="UserFileAccess"/>): a file the user
/// could not read — another owner's, behind a folder closed to them, a hard link to a private file — is refused by
/// the kernel. Only regular files are served, opened non-blocking: a FIFO, socket or device is refused at once.
/// What was checked is what is read: the length and date come from the open descriptor.
/// </summary>
internal sealed class WorkspaceFileSystem : IWorkspaceFiles
{
    /// <summary>The most entries one listing returns; the rest is reported as truncated.</summary>
    public const int MaxListedEntries = 10_000;

    private const int BinaryProbeBytes = 8192;
    private const int OpenFile = LinuxFs.ReadOnly | LinuxFs.NonBlocking | LinuxFs.NoControllingTerminal;

    public async Task<Result<WorkspaceListing>> ListAsync(string workspaceRoot, WorkspacePath path, int depth, RunAs reader)
    {
        var root = OpenRoot(workspaceRoot);
        if (!root.IsSuccess)
        {
            return root.Error;
        }

        using var handle = root.Value;
        return await UserFileAccess.RunAsync(reader, () => List(handle, path, depth, reader));
    }

    public async Task<Result<WorkspaceFile>> OpenAsync(string workspaceRoot, WorkspacePath path, RunAs reader)
    {
        var opened = await OpenRegularAsync(workspaceRoot, path, reader);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        var (handle, status) = opened.Value;
        return new WorkspaceFile(new FileStream(handle, FileAccess.Read, bufferSize: 0), status.Size, Path.GetFileName(path.Relative), status.Modified);
    }

    public async Task<Result<TextContent>> ReadTextAsync(string workspaceRoot, WorkspacePath path, int maxBytes, RunAs reader)
    {
        var opened = await OpenRegularAsync(workspaceRoot, path, reader);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        var (handle, status) = opened.Value;
        using (handle)
        {
            var buffer = new byte[(int)Math.Min(status.Size, maxBytes)];
            var read = 0;
            while (read < buffer.Length && await RandomAccess.ReadAsync(handle, buffer.AsMemory(read), read) is var count and > 0)
            {
                read += count;
            }

            var bytes = buffer.AsSpan(0, read);
            if (LooksBinary(bytes))
            {
                return new DomainError("binary-content", $"'{path.Relative}' is not text; download it instead.", ErrorKind.UnsupportedMediaType);
            }

            var truncated = status.Size > read;
            var text = new UTF8Encoding(false, false).GetString(truncated ? TrimPartialCharacter(bytes) : bytes);
            return new TextContent(path.Relative, text, "utf-8", status.Size, truncated);
        }
    }

    private static async Task<Result<(SafeFileHandle Handle, FileStatus Status)>> OpenRegularAsync(string workspaceRoot, WorkspacePath path, RunAs reader)
    {
        var root = OpenRoot(workspaceRoot);
        if (!root.IsSuccess)
        {
            return root.Error;
        }

        using var handle = root.Value;
        return await UserFileAccess.RunAsync(reader, () => OpenRegular(handle, path, reader));
    }

    /// <summary>The workspace folder itself, by its server-made path (jobs/&lt;id&gt;/workspace: every folder on the way is root's).</summary>
    private static Result<SafeFileHandle> OpenRoot(string workspaceRoot)
    {
        var error = LinuxFs.OpenDirectory(workspaceRoot, out var handle);
        if (error == 0)
        {
            return handle;
        }

        handle.Dispose();
        return error is LinuxFs.ENOENT or LinuxFs.ENOTDIR or LinuxFs.ELOOP
            ? new DomainError("workspace-gone", "The job's workspace no longer exists.", ErrorKind.Gone)
            : throw LinuxFs.Failure(error, "open the workspace");
    }

    private static Result<(SafeFileHandle, FileStatus)> OpenRegular(SafeFileHandle root, WorkspacePath path, RunAs reader)
    {
        var error = LinuxFs.OpenBeneath(root, path.Relative, OpenFile, out var handle);
        if (error != 0)
        {
            handle.Dispose();
            return Refusal(error, path, reader);
        }

        var status = LinuxFs.Stat(handle);
        if (status.Kind != FileKind.Regular)
        {
            handle.Dispose();
            return NotARegularFile(path, status.Kind);
        }

        return (handle, status);
    }

    private static Result<WorkspaceListing> List(SafeFileHandle root, WorkspacePath path, int depth, RunAs reader)
    {
        var error = LinuxFs.OpenBeneath(root, path.Relative, LinuxFs.ReadOnly | LinuxFs.Directory, out var directory);
        using (directory)
        {
            if (error != 0)
            {
                return Refusal(error, path, reader);
            }

            var entries = new List<WorkspaceEntry>();
            var truncated = Collect(directory, path.Relative, depth, entries);
            return new WorkspaceListing(entries, truncated);
        }
    }

    /// <summary>Adds the directory's entries (and, <paramref name="depth"/> &gt; 1, its subfolders'); true if the cap cut it short.</summary>
    private static bool Collect(SafeFileHandle directory, string relative, int depth, List<WorkspaceEntry> entries)
    {
        // One more than fits, to know whether anything was left out.
        var names = LinuxFs.ReadDirectory(directory, MaxListedEntries - entries.Count + 1).Select(e => e.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            if (entries.Count == MaxListedEntries)
            {
                return true;
            }

            if (LinuxFs.StatEntry(directory, name, out var status) != 0)
            {
                continue; // Gone since it was listed.
            }

            var entryPath = relative.Length == 0 ? name : $"{relative}/{name}";
            var type = status.Kind switch
            {
                FileKind.Regular => WorkspaceEntryType.File,
                FileKind.Directory => WorkspaceEntryType.Directory,
                FileKind.Symlink => WorkspaceEntryType.Symlink,
                _ => WorkspaceEntryType.Other,
            };
            entries.Add(new WorkspaceEntry(name, entryPath, type, type == WorkspaceEntryType.File ? status.Size : null, status.Modified));

            // Links are listed, never descended: where they lead is judged on request, by the kernel.
            if (type == WorkspaceEntryType.Directory && depth > 1)
            {
                var opened = LinuxFs.OpenAt(directory, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var child);
                using (child)
                {
                    if (opened == 0 && Collect(child, entryPath, depth - 1, entries))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static DomainError Refusal(int error, WorkspacePath path, RunAs reader) => error switch
    {
        LinuxFs.EACCES or LinuxFs.EPERM => new DomainError(
            "file-not-readable", $"'{path.Relative}' cannot be read by the job's user '{reader.User}'.", ErrorKind.Forbidden),
        LinuxFs.ENXIO => NotARegularFile(path, FileKind.Socket),
        // Not there, not a folder on the way, a link loop, or a lookup that would leave the workspace: not found.
        LinuxFs.ENOENT or LinuxFs.ENOTDIR or LinuxFs.EXDEV or LinuxFs.ELOOP or NameTooLong => NotFound(path),
        _ => throw LinuxFs.Failure(error, $"open '{path.Relative}' in the workspace"),
    };

    private const int NameTooLong = 36;

    private static DomainError NotARegularFile(WorkspacePath path, FileKind kind) => DomainError.Invalid(
        "not-a-regular-file",
        $"'{path.Relative}' is {kind switch
        {
            FileKind.Directory => "a folder; list it instead",
            FileKind.Fifo => "a FIFO",
            FileKind.Socket => "a socket",
            FileKind.CharacterDevice or FileKind.BlockDevice => "a device",
            _ => "not a regular file",
        }}; only regular files are served.");

    private static bool LooksBinary(ReadOnlySpan<byte> bytes)
    {
        var probe = bytes[..Math.Min(bytes.Length, BinaryProbeBytes)];
        if (probe.Contains((byte)0))
        {
            return true;
        }

        // Invalid UTF-8 (ignoring a character cut at the probe's end) means it is not text we can return.
        return !System.Text.Unicode.Utf8.IsValid(TrimPartialCharacter(probe));
    }

    private static ReadOnlySpan<byte> TrimPartialCharacter(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) != 0x80)
            {
                // A lead byte: keep the character only if all its bytes are there.
                var length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return length > back ? bytes[..^back] : bytes;
            }
        }

        return bytes;
    }

    private static DomainError NotFound(WorkspacePath path) =>
        DomainError.NotFound("file-not-found", $"'{path.Relative}' was not found in the job's workspace.");
}
