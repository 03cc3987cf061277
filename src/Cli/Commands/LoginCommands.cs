using System.CommandLine;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Settings;
using Spectre.Console;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs login</c> and <c>cbs logout</c>.</summary>
public static class LoginCommands
{
    public static Command Login(CliContext context)
    {
        var user = new Option<string?>("--user", "-u") { Description = "The OS account (asked for when not given)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input (CI)" };
        var token = new Option<string?>("--token") { Description = "Sign in with a personal access token (cbs_…) instead of a password" };
        var command = new Command("login", """
            Sign in and keep the token in $XDG_CONFIG_HOME/claude-batch/config.json (mode 0600).
            Examples:
              cbs login --server https://batch.example.com --user alice
              echo "$PASSWORD" | cbs login --user ci --password-stdin
              cbs login --token "$CBS_PAT"
            """)
        {
            user, passwordStdin, token,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = context.Console;
            var server = context.Server(parse);
            var saved = context.Config.Load();
            if (parse.GetValue(token) is { } pat)
            {
                using var withToken = new ServerApi(server, pat);
                var me = await withToken.GetAsync<GetCurrentUser.Response>("/auth/me", ct);
                context.Config.Save(new SavedLogin(server.ToString(), me.User, pat));
                return Done(context, parse, me.User, server, me.Expires);
            }

            var name = parse.GetValue(user) ?? (CliContext.SameServer(saved.Server, server) ? saved.User : null);
            if (name is null)
            {
                name = console.Interactive
                    ? console.Out.Prompt(new TextPrompt<string>("User:"))
                    : throw CliFailure.Usage("Say who signs in: --user NAME.");
            }

            string password;
            if (parse.GetValue(passwordStdin))
            {
                password = (await console.In.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
            }
            else if (console.Interactive)
            {
                password = console.AskSecret($"Password for {Markup.Escape(name)}:");
            }
            else
            {
                throw CliFailure.Usage("No terminal to ask for the password on: use --password-stdin (or --token).");
            }

            using var api = new ServerApi(server, null);
            var login = await api.PostAsync<Application.Identity.Login.Response>("/auth/login", new LoginRequest(name, password), ct);
            context.Config.Save(new SavedLogin(server.ToString(), login.User, login.Token));
            return Done(context, parse, login.User, server, login.Expires);
        });
        return command;
    }

    public static Command Logout(CliContext context)
    {
        var command = new Command("logout", "Revoke the saved token on the server and forget it.\nExample: cbs logout");
        command.SetAction(async (parse, ct) =>
        {
            var saved = context.Config.Load();
            try
            {
                using var api = context.Api(parse);
                await api.PostAsync<object>("/auth/logout", null, ct);
            }
            catch (CliFailure e) when (e.ExitCode == ExitCodes.Unreachable && !e.NoAnswer)
            {
                // Already not accepted: forgetting it is all that is left.
            }

            context.Config.Save(saved with { Token = null });
            context.Console.Out.MarkupLine("Signed out.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static int Done(CliContext context, ParseResult parse, string user, Uri server, DateTimeOffset expires)
    {
        if (context.Json(parse))
        {
            context.Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { user, server, expires }, ServerApi.Json));
        }
        else
        {
            context.Console.Out.MarkupLine($"Signed in to [bold]{Markup.Escape(server.ToString())}[/] as [bold]{Markup.Escape(user)}[/] (until {expires:yyyy-MM-dd HH:mm} UTC).");
        }

        return ExitCodes.Ok;
    }
}
