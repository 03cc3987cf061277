using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Application.Files;

public sealed record SavedUpload(long Size, string Sha256);

/// <summary>The job's staging folder: uploads land here under collision-proof names until the workspace exists.</summary>
public interface IFileStaging
{
    /// <summary>Streams <paramref name="content"/> to the staging folder; null (and nothing kept) if it exceeds <paramref name="maxBytes"/>.</summary>
    Task<SavedUpload?> SaveAsync(string jobId, string storedName, Stream content, long maxBytes, CancellationToken cancellationToken);

    string PathOf(string jobId, string storedName);

    /// <summary>Whether the staged file is on this node's disk (a job taken over from a lost node may have left it there).</summary>
    bool IsHere(string jobId, string storedName);

    void Delete(string jobId, string storedName);

    /// <summary>
    /// Copies staged files to <c>files/&lt;name&gt;</c> in the workspace, never through a link the repository (or the
    /// user) planted; what it creates is given to <paramref name="owner"/> when the workspace is already theirs.
    /// </summary>
    Task CopyIntoWorkspaceAsync(
        string jobId, IEnumerable<(string StoredName, string FileName)> files, string workspacePath, RunAs? owner, CancellationToken cancellationToken);
}

public enum WorkspaceEntryType
{
    File,
    Directory,
    Symlink,

    /// <summary>A FIFO, socket or device: listed, never read.</summary>
    Other,
}

public sealed record WorkspaceEntry(string Name, string Path, WorkspaceEntryType Type, long? Size, DateTimeOffset Modified);

/// <summary>A listing, cut after <c>WorkspaceFileSystem.MaxListedEntries</c> entries (<see cref="Truncated"/>).</summary>
public sealed record WorkspaceListing(IReadOnlyList<WorkspaceEntry> Entries, bool Truncated);

public sealed record WorkspaceFile(Stream Content, long Length, string Name, DateTimeOffset Modified);

public sealed record TextContent(string Path, string Content, string Encoding, long Size, bool Truncated);

/// <summary>
/// Reads a job's workspace for the API with the rights of <c>reader</c> (the job's user): nothing outside the
/// workspace is ever listed or opened, and nothing the user could not read is served.
/// </summary>
public interface IWorkspaceFiles
{
    Task<Result<WorkspaceListing>> ListAsync(string workspaceRoot, WorkspacePath path, int depth, RunAs reader);

    /// <summary>A regular file, opened; FIFOs, sockets, devices and directories are refused at once.</summary>
    Task<Result<WorkspaceFile>> OpenAsync(string workspaceRoot, WorkspacePath path, RunAs reader);

    Task<Result<TextContent>> ReadTextAsync(string workspaceRoot, WorkspacePath path, int maxBytes, RunAs reader);
}
