using System.Text;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Lists and reads a job's workspace. Every path is resolved component by component with symlinks followed only
/// while they stay inside the workspace; anything that leads out is reported as not found, never read.
/// </summary>
internal sealed class WorkspaceFileSystem : IWorkspaceFiles
{
    private const int BinaryProbeBytes = 8192;

    public Result<IReadOnlyList<WorkspaceEntry>> List(string workspaceRoot, WorkspacePath path, int depth)
    {
        var resolved = Resolve(workspaceRoot, path);
        if (!resolved.IsSuccess)
        {
            return resolved.Error;
        }

        if (!Directory.Exists(resolved.Value))
        {
            return NotFound(path);
        }

        var entries = new List<WorkspaceEntry>();
        Collect(new DirectoryInfo(resolved.Value), path.Relative, depth, entries);
        return entries;
    }

    public Result<WorkspaceFile> Open(string workspaceRoot, WorkspacePath path)
    {
        var resolved = Resolve(workspaceRoot, path);
        if (!resolved.IsSuccess || !File.Exists(resolved.Value))
        {
            return resolved.IsSuccess ? NotFound(path) : resolved.Error;
        }

        var info = new FileInfo(resolved.Value);
        var stream = new FileStream(resolved.Value, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 81920, useAsync: true);
        return new WorkspaceFile(stream, info.Length, Path.GetFileName(path.Relative), info.LastWriteTimeUtc);
    }

    public Result<TextContent> ReadText(string workspaceRoot, WorkspacePath path, int maxBytes)
    {
        var opened = Open(workspaceRoot, path);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        using var stream = opened.Value.Content;
        var buffer = new byte[(int)Math.Min(opened.Value.Length, maxBytes)];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var bytes = buffer.AsSpan(0, read);
        if (LooksBinary(bytes))
        {
            return new DomainError("binary-content", $"'{path.Relative}' is not text; download it instead.", ErrorKind.UnsupportedMediaType);
        }

        var truncated = opened.Value.Length > read;
        var text = new UTF8Encoding(false, false).GetString(truncated ? TrimPartialCharacter(bytes) : bytes);
        return new TextContent(path.Relative, text, "utf-8", opened.Value.Length, truncated);
    }

    private static Result<string> Resolve(string workspaceRoot, WorkspacePath path)
    {
        if (!Directory.Exists(workspaceRoot))
        {
            return new DomainError("workspace-gone", "The job's workspace no longer exists.", ErrorKind.Gone);
        }

        var root = RealPath.Of(workspaceRoot);
        var current = root;
        foreach (var segment in path.Segments)
        {
            var next = new FileInfo(Path.Combine(current, segment));
            if (next.LinkTarget is not null)
            {
                var target = next.ResolveLinkTarget(returnFinalTarget: true);
                if (target is null || !RealPath.IsInside(RealPath.Of(target.FullName), root))
                {
                    return NotFound(path);
                }

                current = RealPath.Of(target.FullName);
            }
            else
            {
                current = next.FullName;
            }
        }

        return current;
    }

    private static void Collect(DirectoryInfo directory, string relative, int depth, List<WorkspaceEntry> entries)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var entryPath = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
            var type = entry.LinkTarget is not null ? WorkspaceEntryType.Symlink
                : entry is DirectoryInfo ? WorkspaceEntryType.Directory
                : WorkspaceEntryType.File;
            entries.Add(new WorkspaceEntry(entry.Name, entryPath, type, entry is FileInfo file && type == WorkspaceEntryType.File ? file.Length : null, entry.LastWriteTimeUtc));

            // Links are listed, never descended: where they lead is for the path resolver to judge, on request.
            if (type == WorkspaceEntryType.Directory && depth > 1)
            {
                Collect((DirectoryInfo)entry, entryPath, depth - 1, entries);
            }
        }
    }

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
