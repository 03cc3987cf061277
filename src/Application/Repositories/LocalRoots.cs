namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// Lexical containment of a local source in the allowed roots (<c>..</c> resolved). The clone adapter checks again
/// with symlinks resolved, since only the filesystem knows where a link leads.
/// </summary>
public static class LocalRoots
{
    public static bool Contains(IEnumerable<string> roots, string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        return roots.Any(root =>
        {
            var fullRoot = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root));
            return full == fullRoot || full.StartsWith(fullRoot + "/", StringComparison.Ordinal);
        });
    }
}
