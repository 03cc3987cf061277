using Spectre.Console;

namespace ClaudeBatch.Cli.Rendering;

/// <summary>A unified diff, coloured on a terminal (additions green, deletions red, hunks cyan, headers bold), else as it is.</summary>
public static class DiffColours
{
    public static void Write(CliConsole console, string diff)
    {
        if (!console.Colour)
        {
            console.Write(diff);
            return;
        }

        foreach (var line in diff.TrimEnd('\n').Split('\n'))
        {
            var style = line switch
            {
                _ when line.StartsWith("diff --git", StringComparison.Ordinal) || line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) => "bold",
                _ when line.StartsWith("@@", StringComparison.Ordinal) => "cyan",
                _ when line.StartsWith('+') => "green",
                _ when line.StartsWith('-') => "red",
                _ => null,
            };
            console.Out.MarkupLine(style is null ? Markup.Escape(line) : $"[{style}]{Markup.Escape(line)}[/]");
        }
    }
}
