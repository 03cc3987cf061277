using ClaudeBatch.Domain.Files;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Files;

/// <summary>An uploaded file as the API shows it.</summary>
public sealed record StagedFile(string Filename, string Path, string ServerPath, string FileType, long FileSize, string Sha256, bool Overwritten)
{
    public static StagedFile From(FileStaged staged, string serverPath) =>
        new(staged.FileName, PromptPlaceholders.PathOf(staged.FileName), serverPath, staged.ContentType, staged.Size, staged.Sha256, staged.Overwritten);
}
