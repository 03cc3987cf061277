using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Domain.Jobs;

/// <summary>
/// A branch a job's changes may be pushed as: a name <c>git check-ref-format --branch</c> accepts, stricter where git
/// is lenient (no control characters or spaces anywhere, not <c>HEAD</c>, not starting with <c>-</c>), and no longer
/// than <see cref="MaxLength"/>.
/// </summary>
public static class BranchName
{
    public const int MaxLength = 200;

    /// <summary>Where a job's changes go when no branch is named: <c>claude-batch/&lt;first 8 of the job's id&gt;</c>.</summary>
    public static string DefaultFor(string jobId) => $"claude-batch/{jobId[..Math.Min(8, jobId.Length)]}";

    public static Result<string> Parse(string name)
    {
        var why = Refusal(name);
        return why is null ? name : DomainError.Invalid("invalid-branch", $"'{Printable(name)}' is not a valid branch name: {why}");
    }

    private static string? Refusal(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty.";
        }

        if (name.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters.";
        }

        if (name == "HEAD" || name == "@")
        {
            return "it is reserved.";
        }

        if (name[0] == '-')
        {
            return "it starts with '-'.";
        }

        if (name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
        {
            return "it contains a space, a control character or one of ~ ^ : ? * [ \\.";
        }

        if (name.Contains("..", StringComparison.Ordinal))
        {
            return "it contains '..'.";
        }

        if (name.Contains("@{", StringComparison.Ordinal))
        {
            return "it contains '@{'.";
        }

        if (name[0] == '/' || name[^1] == '/' || name.Contains("//", StringComparison.Ordinal))
        {
            return "it starts or ends with '/' or has an empty part.";
        }

        if (name[^1] == '.')
        {
            return "it ends with '.'.";
        }

        foreach (var part in name.Split('/'))
        {
            if (part[0] == '.')
            {
                return "a part of it starts with '.'.";
            }

            if (part.EndsWith(".lock", StringComparison.Ordinal))
            {
                return "a part of it ends with '.lock'.";
            }
        }

        return null;
    }

    private static string Printable(string name)
    {
        var cut = name.Length > 80 ? name[..80] + "…" : name;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }
}
