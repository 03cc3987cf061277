using ClaudeBatch.Cli;
using Spectre.Console;

namespace ClaudeBatch.Unit.Tests.Cli;

/// <summary>A <see cref="CliConsole"/> on strings: no terminal, no colour, an environment of its own.</summary>
public sealed class CliTestConsole
{
    public CliTestConsole(Dictionary<string, string>? environment = null, bool colour = false)
    {
        var settings = new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        };
        var env = environment ?? [];
        env.TryAdd("HOME", Path.Combine(Path.GetTempPath(), "cbs-unit-" + Guid.NewGuid().ToString("N")[..8]));
        Console = new CliConsole(AnsiConsole.Create(settings), Error, new StringReader(""), name => env.GetValueOrDefault(name), interactive: false);
    }

    public StringWriter Output { get; } = new();

    public StringWriter Error { get; } = new();

    public CliConsole Console { get; }
}
