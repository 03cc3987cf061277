using ClaudeBatch.Cli;
using Spectre.Console.Testing;

namespace ClaudeBatch.Unit.Tests.Cli;

public sealed class SecretPromptTests
{
    [Fact]
    public void The_terminal_stops_echoing_before_the_password_prompt_shows_and_the_password_is_never_shown()
    {
        var terminal = new TestConsole().Interactive();
        terminal.Input.PushTextWithEnter("pw-typed-at-once");
        var shownWhenQuieted = new List<string>();
        var console = new CliConsole(
            terminal, TextWriter.Null, new StringReader(""), _ => null, interactive: true, quietTerminal: () => shownWhenQuieted.Add(terminal.Output));

        console.AskSecret("Password for bob:").ShouldBe("pw-typed-at-once");

        // A password typed the moment the prompt appears is typed into a terminal that no longer echoes.
        shownWhenQuieted.ShouldBe([""]);
        terminal.Output.ShouldContain("Password for bob:");
        terminal.Output.ShouldNotContain("pw-typed-at-once");
    }
}
