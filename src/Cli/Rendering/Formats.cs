using System.Globalization;
using System.Text.RegularExpressions;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Cli.Rendering;

/// <summary>How values read in a terminal: money, durations, times, change counts, statuses, excerpts.</summary>
public static partial class Formats
{
    public static string Money(decimal? usd) => usd is { } value ? "$" + value.ToString("0.0000", CultureInfo.InvariantCulture) : "—";

    public static string Duration(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        < 3600 => $"{(int)span.TotalMinutes}m{span.Seconds:00}s",
        _ => $"{(int)span.TotalHours}h{span.Minutes:00}m",
    };

    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var span = now - at;
        return span.TotalSeconds switch
        {
            < 60 => "just now",
            < 3600 => $"{(int)span.TotalMinutes} min ago",
            < 86400 => $"{(int)span.TotalHours} h ago",
            _ => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }

    public static string Changes(JobChanges? changes) =>
        changes is null ? "—" : $"{changes.Files} file{(changes.Files == 1 ? "" : "s")} +{changes.Additions} −{changes.Deletions}";

    /// <summary>The status as the API spells it (<c>git_pulling</c>).</summary>
    public static string Status(JobStatus status) => SnakeCase(status.ToString());

    public static string SnakeCase(string name) => UpperCase().Replace(name, m => (m.Index == 0 ? "" : "_") + m.Value.ToLowerInvariant());

    /// <summary>Spectre colour for a status.</summary>
    public static string StatusStyle(JobStatus status) => status switch
    {
        JobStatus.Completed => "green",
        JobStatus.Failed or JobStatus.GitFailed or JobStatus.Timeout => "red",
        JobStatus.Cancelled => "yellow",
        JobStatus.Running => "blue",
        _ => "grey",
    };

    public static bool IsFinished(JobStatus status) =>
        status is JobStatus.Completed or JobStatus.Failed or JobStatus.GitFailed or JobStatus.Timeout or JobStatus.Cancelled;

    /// <summary>The first line of <paramref name="text"/>, cut to <paramref name="width"/> characters with an ellipsis.</summary>
    public static string Excerpt(string? text, int width)
    {
        var line = (text ?? "").ReplaceLineEndings("\n").Split('\n', 2)[0].Trim();
        return line.Length <= width ? line : line[..(width - 1)] + "…";
    }

    /// <summary>An event type as words: <c>RepositoryPulled</c> → "repository pulled".</summary>
    public static string Words(string type) => SnakeCase(type).Replace('_', ' ');

    [GeneratedRegex("[A-Z]")]
    private static partial Regex UpperCase();
}
