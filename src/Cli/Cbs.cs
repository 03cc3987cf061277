using System.CommandLine;
using System.Text.Json;
using ClaudeBatch.Cli.Commands;

namespace ClaudeBatch.Cli;

/// <summary>
/// <c>cbs</c>: the commands, and how a run ends — 0 done (a job completed), 1 refused or a job that did not complete,
/// 2 a wrong command line, 3 no server or no valid sign-in. Errors are one line on standard error, never a stack trace.
/// </summary>
public static class Cbs
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("""
            cbs — run Claude Code batch jobs on a Claude Batch Server.
            Start with: cbs login --server URL --user NAME, then: cbs run REPO "prompt" --follow
            Environment: CBS_SERVER and CBS_TOKEN override the saved login (CI); NO_COLOR turns colour off.
            """)
        {
            context.ServerOption,
            context.JsonOption,
            LoginCommands.Login(context),
            LoginCommands.Logout(context),
            RepoCommands.Build(context),
            RunCommand.Build(context),
            JobCommands.Build(context),
            ChangeCommands.Diff(context),
            ChangeCommands.Say(context),
            ChangeCommands.Push(context),
            FileCommands.Build(context),
            TokenCommands.Build(context),
            HookCommands.Build(context),
            CompletionCommand.Build(context),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console)
    {
        var context = new CliContext(console);
        var parse = Build(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"cbs: {error.Message}");
            }

            await console.Error.WriteLineAsync($"See: {string.Join(' ', CommandPath(parse))} --help");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = console.Out.Profile.Out.Writer,
                Error = console.Error,
            });
        }
        catch (CliFailure e)
        {
            await console.Error.WriteLineAsync($"cbs: {e.Message}");
            return e.ExitCode;
        }
        catch (JsonException e)
        {
            await console.Error.WriteLineAsync($"cbs: the server's answer was not what this cbs understands ({e.Message}); is it a Claude Batch Server of the same version?");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"cbs: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (UnauthorizedAccessException e)
        {
            await console.Error.WriteLineAsync($"cbs: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new Stack<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(result.Command is RootCommand ? "cbs" : result.Command.Name);
        }

        return names;
    }
}
