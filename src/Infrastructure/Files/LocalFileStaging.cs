using System.Security.Cryptography;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Uploads are streamed (80 kB at a time, hashed on the way) to <c>&lt;jobId&gt;/staging/&lt;random name&gt;</c>:
/// the user's file name never becomes a path on the server.
/// </summary>
internal sealed class LocalFileStaging(JobPaths paths) : IFileStaging
{
    private const int BufferSize = 81920;

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

    public Task CopyIntoWorkspaceAsync(
        string jobId, IEnumerable<(string StoredName, string FileName)> files, string workspacePath, CancellationToken cancellationToken)
    {
        var list = files.ToList();
        if (list.Count == 0)
        {
            return Task.CompletedTask;
        }

        // The repository could contain a 'files' symlink (or links inside it) pointing anywhere: replace, never follow.
        var folder = Path.Combine(workspacePath, PromptPlaceholders.FilesFolder);
        var info = new DirectoryInfo(folder);
        if (info.LinkTarget is not null || File.Exists(folder))
        {
            File.Delete(folder);
        }

        Directory.CreateDirectory(folder);
        foreach (var (storedName, fileName) in list)
        {
            var target = Path.Combine(folder, fileName);
            var existing = new FileInfo(target);
            if (existing.LinkTarget is not null || existing.Exists)
            {
                existing.Delete();
            }
            else if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            File.Copy(PathOf(jobId, storedName), target);
        }

        return Task.CompletedTask;
    }
}
