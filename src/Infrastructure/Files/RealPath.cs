namespace ClaudeBatch.Infrastructure.Files;

/// <summary>Paths with every symlink resolved, and containment checks on them: the filesystem's own answer to "where is this?".</summary>
internal static class RealPath
{
    /// <summary>The absolute path with each symlinked component replaced by where it leads (components that do not exist are kept).</summary>
    public static string Of(string path)
    {
        var resolved = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(resolved, part);
            var info = new FileInfo(next);
            resolved = info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target
                ? Path.GetFullPath(target.FullName)
                : next;
        }

        return resolved;
    }

    public static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(Path.TrimEndingDirectorySeparator(root) + "/", StringComparison.Ordinal);
}
