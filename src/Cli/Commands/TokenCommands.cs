using System.CommandLine;
using System.Globalization;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Cli.Rendering;
using Spectre.Console;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs tokens add|list|rm</c>: personal access tokens for scripts and CI.</summary>
public static class TokenCommands
{
    public static Command Build(CliContext context)
    {
        var tokens = new Command("tokens", "Personal access tokens (cbs_…) for scripts and CI.\nExample: cbs tokens add ci-nightly --days 30");
        tokens.Subcommands.Add(Add(context));
        tokens.Subcommands.Add(List(context));
        tokens.Subcommands.Add(Remove(context));
        return tokens;
    }

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "What the token is for" };
        var days = new Option<int>("--days") { Description = "Days until it expires (the server caps it at Auth:MaxTokenDays)", Required = true };
        var command = new Command("add", "Make a token; it is shown once. Needs a password sign-in (a token cannot make tokens).\nExample: cbs tokens add ci-nightly --days 30") { name, days };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var created = await api.PostAsync<CreateAccessToken.Response>("/auth/tokens", new CreateAccessTokenRequest(parse.GetValue(name), parse.GetValue(days)), ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, created);
            }
            else
            {
                context.Console.Error.WriteLine($"Token {created.Id} '{created.Name}', until {created.Expires:yyyy-MM-dd}. Keep it now: it is not shown again. Use it as CBS_TOKEN or with cbs login --token.");
                context.Console.WriteLine(created.Token);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("list", "Your tokens (never the tokens themselves).\nExample: cbs tokens list");
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var tokens = await api.GetAsync<List<ListAccessTokens.Item>>("/auth/tokens", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, tokens);
                return ExitCodes.Ok;
            }

            var now = DateTimeOffset.UtcNow;
            var table = Output.Table("ID", "NAME", "CREATED", "EXPIRES", "LAST USED");
            foreach (var t in tokens)
            {
                Output.Row(
                    table, t.Id, t.Name, t.Created.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    (t.Expires < now ? "expired " : "") + t.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    t.LastUsed is { } used ? Formats.Ago(used, now) : "never");
            }

            context.Console.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The token's id (cbs tokens list)" };
        var command = new Command("rm", "Revoke a token, at once on every server.\nExample: cbs tokens rm 5d41402a") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            using var response = await api.SendRawAsync(
                new HttpRequestMessage(HttpMethod.Delete, $"/auth/tokens/{Uri.EscapeDataString(parse.GetValue(id)!)}"), HttpCompletionOption.ResponseContentRead, ct);
            context.Console.Out.MarkupLine($"Token {Markup.Escape(parse.GetValue(id)!)} revoked.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
