using System.CommandLine;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;
using ClaudeBatch.Domain.Repositories;
using Spectre.Console;
using Spinner = ClaudeBatch.Cli.Rendering.Spinner;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs repos list|show|add|pull|rm</c>.</summary>
public static class RepoCommands
{
    public static Command Build(CliContext context)
    {
        var repos = new Command("repos", "The registered repositories.\nExample: cbs repos add my-app https://github.com/me/my-app.git --wait");
        repos.Subcommands.Add(List(context));
        repos.Subcommands.Add(Show(context));
        repos.Subcommands.Add(Add(context));
        repos.Subcommands.Add(Pull(context));
        repos.Subcommands.Add(Remove(context));
        return repos;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "List the repositories and their clone status.\nExample: cbs repos list");
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var repositories = await api.GetAsync<List<RepositoryView>>("/repositories", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, repositories);
                return ExitCodes.Ok;
            }

            var table = Output.Table("NAME", "STATUS", "BRANCH", "COMMIT", "CIDX", "DESCRIPTION");
            foreach (var r in repositories)
            {
                Output.Row(table, r.Name, Formats.SnakeCase(r.CloneStatus.ToString()), r.CurrentBranch ?? "—", Short(r.CommitHash), r.CidxAware ? "yes" : "no", Formats.Excerpt(r.Description, 50));
            }

            context.Console.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The repository's name" };
        var command = new Command("show", "One repository.\nExample: cbs repos show my-app") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var repository = await api.GetAsync<RepositoryView>($"/repositories/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct);
            Print(context, parse, repository);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "A name for it (letters, digits, '-', '_', '.')" };
        var url = new Argument<string>("url") { Description = "Its git URL (https://, ssh:// or a local path the server allows)" };
        var cidx = new Option<bool>("--cidx") { Description = "Index it with cidx for semantic search" };
        var description = new Option<string?>("--description", "-d") { Description = "What it is" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the clone finishes, showing its progress" };
        var command = new Command("add", "Register a repository; the server clones it.\nExample: cbs repos add my-app https://github.com/me/my-app.git --wait")
        {
            name, url, cidx, description, wait,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var repository = await api.PostAsync<RepositoryView>(
                "/repositories/register", new RegisterRequest(parse.GetValue(name), parse.GetValue(url), parse.GetValue(description), parse.GetValue(cidx)), ct);
            if (parse.GetValue(wait))
            {
                repository = await WaitForCloneAsync(context, api, repository.Name, ct);
            }

            Print(context, parse, repository);
            return repository.CloneStatus == CloneStatus.Failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static Command Pull(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The repository's name" };
        var command = new Command("pull", "Fast-forward the server's clone now (or clone again after a failure).\nExample: cbs repos pull my-app") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var response = await api.PostAsync<RefreshRepository.Response>($"/repositories/{Uri.EscapeDataString(parse.GetValue(name)!)}/pull", null, ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, response);
            }
            else
            {
                context.Console.Out.MarkupLine($"{Markup.Escape(response.Name)}: {Markup.Escape(response.Action)} ({Markup.Escape(Formats.SnakeCase(response.CloneStatus.ToString()))})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The repository's name" };
        var force = new Option<bool>("--force") { Description = "Remove it even while jobs use it" };
        var command = new Command("rm", "Unregister a repository and remove the server's clone.\nExample: cbs repos rm my-app") { name, force };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var query = parse.GetValue(force) ? "?force=true" : "";
            var response = await api.DeleteAsync<UnregisterRepository.Response>($"/repositories/{Uri.EscapeDataString(parse.GetValue(name)!)}{query}", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, response);
            }
            else
            {
                context.Console.Out.WriteLine(response.Message);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task<RepositoryView> WaitForCloneAsync(CliContext context, ServerApi api, string name, CancellationToken ct)
    {
        await using var spinner = new Spinner(context.Console);
        var last = "";
        while (true)
        {
            var repository = await api.GetAsync<RepositoryView>($"/repositories/{Uri.EscapeDataString(name)}", ct);
            var status = Formats.SnakeCase(repository.CloneStatus.ToString());
            if (status != last)
            {
                spinner.Print(() => context.Console.Error.WriteLine($"{name}: {status.Replace('_', ' ')}"));
                spinner.Label = status.Replace('_', ' ');
                last = status;
            }

            if (repository.CloneStatus is CloneStatus.Completed or CloneStatus.Failed)
            {
                return repository;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private static void Print(CliContext context, ParseResult parse, RepositoryView r)
    {
        if (context.Json(parse))
        {
            Output.Json(context.Console, r);
            return;
        }

        Output.Fields(context.Console,
        [
            ("name", r.Name), ("url", r.GitUrl), ("status", Formats.SnakeCase(r.CloneStatus.ToString())), ("branch", r.CurrentBranch),
            ("commit", r.CommitHash is null ? null : $"{Short(r.CommitHash)} {Formats.Excerpt(r.CommitMessage, 60)}"),
            ("cidx", r.CidxAware ? r.CidxReady == true ? "ready" : r.CidxError ?? "not ready" : "no"),
            ("last pull", r.LastPull?.ToString("u")), ("description", r.Description.Length > 0 ? r.Description : null), ("error", r.Error),
        ]);
    }

    private static string Short(string? commit) => commit is { Length: > 8 } ? commit[..8] : commit ?? "—";
}
