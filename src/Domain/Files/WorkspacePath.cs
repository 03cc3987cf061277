using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Domain.Files;

/// <summary>
/// A path from a request, relative to a job's workspace, split into checked segments. Absolute paths, <c>..</c>,
/// backslashes, encoded separators and control characters are refused here; symlinks are the filesystem
/// adapter's to check, since only it can see where they lead.
/// </summary>
public sealed record WorkspacePath(IReadOnlyList<string> Segments)
{
    public static readonly WorkspacePath Root = new([]);

    public string Relative => string.Join('/', Segments);

    public static Result<WorkspacePath> Parse(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "/" || path == ".")
        {
            return Root;
        }

        if (path.StartsWith('/') || path.StartsWith('~'))
        {
            return Invalid("must be relative to the workspace");
        }

        if (path.Contains('\\') || path.Any(char.IsControl))
        {
            return Invalid("must not contain backslashes or control characters");
        }

        if (path.Contains("%2f", StringComparison.OrdinalIgnoreCase) || path.Contains("%5c", StringComparison.OrdinalIgnoreCase)
            || path.Contains("%2e", StringComparison.OrdinalIgnoreCase) || path.Contains("%00", StringComparison.Ordinal))
        {
            return Invalid("must not contain encoded separators or dots");
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        if (segments.Contains(".."))
        {
            return Invalid("must not contain '..'");
        }

        return new WorkspacePath(segments);
    }

    private static DomainError Invalid(string why) => DomainError.Invalid("invalid-path", $"'path' {why}.");
}
