using System.Text.RegularExpressions;

namespace ClaudeBatch.Domain.Files;

/// <summary>
/// <c>{{name.ext}}</c> in a prompt becomes <c>files/name.ext</c> when such a file was uploaded, and the bare
/// <c>{{filename}}</c> becomes every uploaded file's path, separated by spaces. Other braces are left as written.
/// </summary>
public static partial class PromptPlaceholders
{
    public const string FilesFolder = "files";

    public static string Resolve(string prompt, IReadOnlyCollection<string> uploadedNames, IReadOnlyCollection<string> images)
    {
        var resolved = Placeholder().Replace(prompt, match =>
        {
            var name = match.Groups[1].Value;
            if (name == "filename")
            {
                return string.Join(' ', uploadedNames.Select(PathOf));
            }

            return uploadedNames.Contains(name) ? PathOf(name) : match.Value;
        });

        return images.Count == 0
            ? resolved
            : resolved + $"\n\nImages for this task (open them with the Read tool): {string.Join(' ', images.Select(PathOf))}";
    }

    public static string PathOf(string name) => $"{FilesFolder}/{name}";

    [GeneratedRegex(@"\{\{([^{}/\\]{1,255})\}\}")]
    private static partial Regex Placeholder();
}
