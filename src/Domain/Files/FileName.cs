using System.Text;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Domain.Files;

/// <summary>
/// An uploaded file's name: kept for display and for its place in the workspace (<c>files/&lt;name&gt;</c>), so it
/// must be one plain path segment — no separator (also not URL-encoded), no <c>..</c>, no control character, at most
/// 255 bytes.
/// </summary>
public static class FileName
{
    public const int MaxBytes = 255;

    public static Result<string> Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return Invalid("a file name is required");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxBytes)
        {
            return Invalid($"'{Shorten(name)}' is longer than {MaxBytes} bytes");
        }

        if (name.Any(char.IsControl))
        {
            return Invalid("a file name must not contain control characters");
        }

        var decoded = Uri.UnescapeDataString(name);
        if (name is "." or ".." || name.StartsWith("..", StringComparison.Ordinal) || decoded.StartsWith("..", StringComparison.Ordinal)
            || name.Contains('/') || name.Contains('\\') || decoded.Contains('/') || decoded.Contains('\\'))
        {
            return Invalid($"'{Shorten(name)}' is not a plain file name: paths and '..' are not allowed");
        }

        return name;
    }

    private static string Shorten(string name) => name.Length > 40 ? name[..40] + "…" : name;

    private static DomainError Invalid(string why) => DomainError.Invalid("invalid-file-name", why + ".");
}
