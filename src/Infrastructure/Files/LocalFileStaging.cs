using System.Security.Cryptography;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Files;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Uploads are streamed (80 kB at a time, hashed on the way) to <c>&lt;jobId&gt;/staging/&lt;random name&gt;</c>:
/// the user's file name never becomes a path on the server.
/// </summary>
internal sealed class LocalFileStaging(JobPaths paths) : IFileStaging
{
    private const int BufferSize = 81920;

    // The staging folder and the stored name are the server's own (a random name), never the user's.
    public bool IsHere(string jobId, string storedName) => File.Exists(PathOf(jobId, storedName));

    public async Task<SavedUpload?> SaveAsync(string jobId, string storedName, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        PrivateJobFolders.CreateStaging(paths.Staging(jobId));
        var final = PathOf(jobId, storedName);
        var partial = final + ".part";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        var buffer = new byte[BufferSize];
        try
        {
            await using (var file = new FileStream(partial, PrivateJobFolders.NewUpload(BufferSize)))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        File.Delete(partial);
                        return null;
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            File.Move(partial, final);
            return new SavedUpload(size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    public string PathOf(string jobId, string storedName) => Path.Combine(paths.Staging(jobId), storedName);

    public void Delete(string jobId, string storedName) => File.Delete(PathOf(jobId, storedName));

    public async Task CopyIntoWorkspaceAsync(
        string jobId, IEnumerable<(string StoredName, string FileName)> files, string workspacePath, RunAs? owner, CancellationToken cancellationToken)
    {
        var list = files.ToList();
        if (list.Count == 0)
        {
            return;
        }

        // The repository may hold a 'files' link, or links under that name, pointing anywhere: every step is taken
        // through descriptors, a link is replaced (never followed), and each upload is created anew, exclusively.
        using var workspace = Opened(LinuxFs.OpenDirectory(workspacePath, out var handle), handle, workspacePath);
        using var folder = FilesFolder(workspace, owner);
        foreach (var (storedName, fileName) in list)
        {
            TreeRemoval.RemoveEntry(folder, fileName);
            using var target = Opened(
                LinuxFs.OpenAt(folder, fileName, LinuxFs.WriteOnly | LinuxFs.Create | LinuxFs.Exclusive | LinuxFs.NoFollow, SharedFileMode, out var created),
                created, fileName);
            GiveTo(target, owner);
            await using var output = new FileStream(target, FileAccess.Write, bufferSize: 0);
            await using var input = new FileStream(PathOf(jobId, storedName), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
            await input.CopyToAsync(output, BufferSize, cancellationToken);
        }
    }

    private const UnixFileMode SharedFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>What the server created in a workspace that is already the user's (a later turn's uploads) becomes theirs, by descriptor.</summary>
    private static void GiveTo(SafeFileHandle created, RunAs? owner)
    {
        if (owner is { SwitchesUser: true })
        {
            LinuxFs.ChangeOwner(created, owner.Uid, owner.Gid);
        }
    }

    /// <summary>The workspace's <c>files/</c> folder: kept if it is a real folder, made anew if it is missing or anything else.</summary>
    private static SafeFileHandle FilesFolder(SafeFileHandle workspace, RunAs? owner)
    {
        var flags = LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow;
        var error = LinuxFs.OpenAt(workspace, PromptPlaceholders.FilesFolder, flags, 0, out var folder);
        if (error is LinuxFs.ELOOP or LinuxFs.ENOTDIR or LinuxFs.ENOENT)
        {
            folder.Dispose();
            TreeRemoval.RemoveEntry(workspace, PromptPlaceholders.FilesFolder);
            var made = LinuxFs.MakeDirectoryAt(workspace, PromptPlaceholders.FilesFolder, SharedFileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            if (made != 0)
            {
                throw LinuxFs.Failure(made, "mkdir files");
            }

            error = LinuxFs.OpenAt(workspace, PromptPlaceholders.FilesFolder, flags, 0, out folder);
            if (error == 0)
            {
                GiveTo(folder, owner);
            }
        }

        return Opened(error, folder, PromptPlaceholders.FilesFolder);
    }

    private static SafeFileHandle Opened(int error, SafeFileHandle handle, string what)
    {
        if (error == 0)
        {
            return handle;
        }

        handle.Dispose();
        throw LinuxFs.Failure(error, $"open {what}");
    }
}
