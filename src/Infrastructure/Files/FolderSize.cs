namespace ClaudeBatch.Infrastructure.Files;

/// <summary>How many files a folder holds and how many bytes they take; links are counted, never followed.</summary>
internal static class FolderSize
{
    public static (long Files, long Bytes) Measure(string path)
    {
        long files = 0, bytes = 0;
        foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        }))
        {
            files++;
            bytes += file.Length;
        }

        return (files, bytes);
    }
}
