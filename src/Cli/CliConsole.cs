using Spectre.Console;

namespace ClaudeBatch.Cli;

/// <summary>
/// Where <c>cbs</c> reads and writes: standard output (colour only on a terminal, never with <c>NO_COLOR</c>), standard
/// error, standard input, and the environment — all replaceable, so rendering is tested without a process.
/// </summary>
public sealed class CliConsole(
    IAnsiConsole output, TextWriter error, TextReader input, Func<string, string?> environment, bool interactive, Action? quietTerminal = null)
{
    public IAnsiConsole Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TextReader In { get; } = input;

    /// <summary>Whether a person is at a terminal (standard input and output both are one): prompts and spinners.</summary>
    public bool Interactive { get; } = interactive;

    /// <summary>Whether standard output is a terminal that takes colour.</summary>
    public bool Colour => Out.Profile.Capabilities.Ansi;

    /// <summary>
    /// Asks for a secret at the terminal without showing it. The terminal stops echoing before the prompt is shown, as
    /// getpass(3) does: a password typed the moment the prompt appears is never echoed.
    /// </summary>
    public string AskSecret(string prompt)
    {
        quietTerminal?.Invoke();
        return Out.Prompt(new TextPrompt<string>(prompt).Secret(null));
    }

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

        var interactive = !redirected && !Console.IsInputRedirected;

        // .NET turns the terminal's echo off at its first read of a key and keeps it off until the process ends. Asking
        // whether a key is waiting is such a read; without it, echo goes off only once the prompt is already showing.
        return new CliConsole(
            output, Console.Error, Console.In, Environment.GetEnvironmentVariable, interactive, interactive ? () => _ = Console.KeyAvailable : null);
    }
}
