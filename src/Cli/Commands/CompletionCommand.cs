using System.CommandLine;

namespace ClaudeBatch.Cli.Commands;

/// <summary>
/// <c>cbs completion bash|zsh</c>: a script that asks <c>cbs</c> itself what may come next (System.CommandLine's
/// <c>[suggest]</c> directive), so completion always matches the installed version.
/// </summary>
public static class CompletionCommand
{
    public const string Bash = """
        # cbs completion for bash: eval "$(cbs completion bash)"  (or save it under /etc/bash_completion.d/cbs)
        _cbs_complete() {
            local IFS=$'\n'
            local words
            words=$(cbs "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
            mapfile -t COMPREPLY < <(compgen -W "${words}" -- "${COMP_WORDS[COMP_CWORD]}")
        }
        complete -o default -F _cbs_complete cbs

        """;

    public const string Zsh = """
        #compdef cbs
        # cbs completion for zsh: eval "$(cbs completion zsh)"  (or save it as _cbs on your $fpath)
        _cbs() {
            local -a words
            words=("${(@f)$(cbs "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -a words
        }
        compdef _cbs cbs

        """;

    public static Command Build(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print the shell completion script.\nExamples:\n  eval \"$(cbs completion bash)\"\n  eval \"$(cbs completion zsh)\"") { shell };
        command.SetAction(parse =>
        {
            context.Console.Write(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Ok;
        });
        return command;
    }
}
