using ClaudeBatch.Cli;

namespace ClaudeBatch.Unit.Tests.Cli;

/// <summary>What <c>cbs</c> makes of a command line before it sends anything: exit 2 and a pointer to help when wrong.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("run")]
    [InlineData("run", "repo")]
    [InlineData("run", "repo", "prompt", "--wait", "--follow")]
    [InlineData("run", "repo", "prompt", "--cidx", "--no-cidx")]
    [InlineData("run", "repo", "prompt", "--timeout", "5x")]
    [InlineData("run", "repo", "prompt", "--file", "/nonexistent/spec.md")]
    [InlineData("jobs", "show")]
    [InlineData("jobs", "show", "not-hex!")]
    [InlineData("jobs", "history", "3f2a")]
    [InlineData("completion", "fish")]
    [InlineData("frobnicate")]
    [InlineData("jobs", "list", "--server", "ftp://example.invalid")]
    public async Task A_wrong_command_line_is_exit_2_with_a_message_and_nothing_sent(params string[] args)
    {
        var console = new CliTestConsole(new Dictionary<string, string> { ["CBS_TOKEN"] = "t", ["CBS_SERVER"] = "http://127.0.0.1:9" });

        var code = await Cbs.RunAsync(args, console.Console);

        code.ShouldBe(ExitCodes.Usage, console.Error.ToString());
        console.Error.ToString().ShouldStartWith("cbs: ");
        console.Error.ToString().ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Every_command_has_help_with_an_example()
    {
        var root = Cbs.Build(new CliContext(new CliTestConsole().Console));
        var commands = root.Subcommands.SelectMany(c => c.Subcommands.Count > 0 ? c.Subcommands : [c]).ToList();

        commands.Count.ShouldBeGreaterThan(20);
        foreach (var command in commands)
        {
            command.Description.ShouldNotBeNull(command.Name);
            command.Description.ShouldContain("cbs ", Case.Sensitive, $"{command.Name} has no example");
        }

        var console = new CliTestConsole();
        (await Cbs.RunAsync(["run", "--help"], console.Console)).ShouldBe(0);
        console.Output.ToString().ShouldContain("--follow");
    }

    [Fact]
    public async Task Completion_scripts_ask_cbs_itself_for_suggestions()
    {
        var bash = new CliTestConsole();
        (await Cbs.RunAsync(["completion", "bash"], bash.Console)).ShouldBe(0);
        bash.Output.ToString().ShouldContain("complete -o default -F _cbs_complete cbs");
        bash.Output.ToString().ShouldContain("[suggest:");

        var zsh = new CliTestConsole();
        (await Cbs.RunAsync(["completion", "zsh"], zsh.Console)).ShouldBe(0);
        zsh.Output.ToString().ShouldContain("compdef _cbs cbs");

        var suggest = new CliTestConsole();
        (await Cbs.RunAsync(["[suggest:9]", "cbs jobs "], suggest.Console)).ShouldBe(0);
        suggest.Output.ToString().Split('\n', StringSplitOptions.TrimEntries).ShouldContain("history");
    }

    [Fact]
    public async Task Without_a_saved_login_or_CBS_TOKEN_a_command_says_to_sign_in_with_exit_3()
    {
        var console = new CliTestConsole(new Dictionary<string, string> { ["CBS_SERVER"] = "http://127.0.0.1:9" });

        (await Cbs.RunAsync(["jobs", "list"], console.Console)).ShouldBe(ExitCodes.Unreachable);

        console.Error.ToString().ShouldContain("cbs login");
    }
}
