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

    void Delete(string jobId, string storedName);

    /// <summary>Copies staged files to <c>files/&lt;name&gt;</c> in the workspace, never through a link the repository planted.</summary>
    Task CopyIntoWorkspaceAsync(string jobId, IEnumerable<(string StoredName, string FileName)> files, string workspacePath, CancellationToken cancellationToken);
}

public enum WorkspaceEntryType
{
    File,
    Directory,
    Symlink,
}

public sealed record WorkspaceEntry(string Name, string Path, WorkspaceEntryType Type, long? Size, DateTimeOffset Modified);

public sealed record WorkspaceFile(Stream Content, long Length, string Name, DateTimeOffset Modified);

public sealed record TextContent(string Path, string Content, string Encoding, long Size, bool Truncated);

/// <summary>Reads a job's workspace for the API; nothing outside the workspace is ever listed or opened.</summary>
public interface IWorkspaceFiles
{
    Result<IReadOnlyList<WorkspaceEntry>> List(string workspaceRoot, WorkspacePath path, int depth);

    Result<WorkspaceFile> Open(string workspaceRoot, WorkspacePath path);

    Result<TextContent> ReadText(string workspaceRoot, WorkspacePath path, int maxBytes);
}
