using System.CommandLine;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Settings;

namespace ClaudeBatch.Cli;

/// <summary>What every command shares: the console, the saved login, and the global options <c>--server</c> and <c>--json</c>.</summary>
public sealed class CliContext(CliConsole console)
{
    public CliConsole Console { get; } = console;

    public CliConfig Config { get; } = CliConfig.For(console);

    public Option<string?> ServerOption { get; } = new("--server")
    {
        Description = "The server's URL (else CBS_SERVER, else the one cbs login saved, else " + CliConfig.DefaultServer + ")",
        Recursive = true,
    };

    public Option<bool> JsonOption { get; } = new("--json")
    {
        Description = "Print JSON for scripts instead of tables",
        Recursive = true,
    };

    public bool Json(ParseResult parse) => parse.GetValue(JsonOption);

    /// <summary>The server: <c>--server</c>, else <c>CBS_SERVER</c>, else the saved one, else the local default.</summary>
    public Uri Server(ParseResult parse)
    {
        var text = parse.GetValue(ServerOption) ?? Console.Env("CBS_SERVER") ?? Config.Load().Server ?? CliConfig.DefaultServer;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            throw CliFailure.Usage($"'{text}' is not an http(s) URL of a server.");
        }

        return server;
    }

    /// <summary>The API with the caller's token: <c>CBS_TOKEN</c>, else the one saved for this server.</summary>
    public ServerApi Api(ParseResult parse)
    {
        var server = Server(parse);
        var saved = Config.Load();
        var token = Console.Env("CBS_TOKEN") ?? (SameServer(saved.Server, server) ? saved.Token : null)
            ?? throw CliFailure.NotSignedIn($"Not signed in to {server}: run cbs login (or set CBS_TOKEN).");
        return new ServerApi(server, token);
    }

    public static bool SameServer(string? saved, Uri server) =>
        saved is not null && Uri.TryCreate(saved, UriKind.Absolute, out var uri) && Uri.Compare(uri, server, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
