using Spectre.Console;

namespace ClaudeBatch.Cli;

/// <summary>
/// Where <c>cbs</c> reads and writes: standard output (colour only on a terminal, never with <c>NO_COLOR</c>), standard
/// error, standard input, and the environment — all replaceable, so rendering is tested without a process.
/// </summary>
public sealed class CliConsole(IAnsiConsole output, TextWriter error, TextReader input, Func<string, string?> environment, bool interactive)
{
    public IAnsiConsole Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader In { get; } = input;

    /// <summary>Whether a person is at a terminal (standard input and output both are one): prompts and spinners.</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>Whether standard output is a terminal that takes colour.</summary>
    public bool Colour => Out.Profile.Capabilities.Ansi;

    public string? Env(string name) => environment(name) is { Length: > 0 } value ? value : null;

    /// <summary>Raw text to standard output, as it is (a diff, a file's content).</summary>
    public void Write(string text) => Out.Profile.Out.Writer.Write(text);

    public void WriteLine(string text = "") => Out.Profile.Out.Writer.WriteLine(text);

    public static CliConsole FromProcess()
    {
        var redirected = Console.IsOutputRedirected;
        var noColour = redirected || Environment.GetEnvironmentVariable("NO_COLOR") is { Length: > 0 } || Environment.GetEnvironmentVariable("TERM") == "dumb";
        var output = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = noColour ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = noColour ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected || Console.IsInputRedirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            // Tables for a pipe are not wrapped at 80 columns.
            output.Profile.Width = 240;
        }

        return new CliConsole(output, Console.Error, Console.In, Environment.GetEnvironmentVariable, !redirected && !Console.IsInputRedirected);
    }
}
