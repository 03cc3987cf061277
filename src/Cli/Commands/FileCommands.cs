using System.CommandLine;
using System.Globalization;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs files ls|get|cat</c>: a job's workspace, read through the server (as the job's user).</summary>
public static class FileCommands
{
    public static Command Build(CliContext context)
    {
        var files = new Command("files", "The job's workspace.\nExample: cbs files ls 3f2a src");
        files.Subcommands.Add(List(context));
        files.Subcommands.Add(Get(context));
        files.Subcommands.Add(Cat(context));
        return files;
    }

    private static Command List(CliContext context)
    {
        var id = JobCommands.IdArgument();
        var path = new Argument<string?>("path") { Description = "A folder of the workspace (default its root)", Arity = ArgumentArity.ZeroOrOne };
        var depth = new Option<int>("--depth") { Description = "Levels deep (1–10)", DefaultValueFactory = _ => 1 };
        var command = new Command("ls", "List a folder of the workspace.\nExample: cbs files ls 3f2a src --depth 2") { id, path, depth };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var query = $"?depth={parse.GetValue(depth)}" + (parse.GetValue(path) is { } folder ? $"&path={Uri.EscapeDataString(folder)}" : "");
            var entries = await api.GetAsync<List<WorkspaceEntry>>($"/jobs/{jobId}/files{query}", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, entries);
                return ExitCodes.Ok;
            }

            var table = Output.Table("PATH", "TYPE", "SIZE", "MODIFIED");
            foreach (var e in entries)
            {
                Output.Row(table, e.Path, Formats.SnakeCase(e.Type.ToString()), e.Size?.ToString(CultureInfo.InvariantCulture) ?? "", e.Modified.ToString("u", CultureInfo.InvariantCulture));
            }

            context.Console.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var id = JobCommands.IdArgument();
        var path = new Argument<string>("path") { Description = "The file, relative to the workspace" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to save it (default its name, in this folder; - for standard output)" };
        var command = new Command("get", "Download a file of the workspace.\nExample: cbs files get 3f2a build/report.pdf -o report.pdf") { id, path, output };
        command.SetAction(async (parse, ct) =>
        {
            var target = parse.GetValue(output) ?? Path.GetFileName(parse.GetValue(path)!.TrimEnd('/'));
            if (target.Length == 0)
            {
                throw CliFailure.Usage("Say where to save it: -o FILE.");
            }

            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            if (target == "-")
            {
                await DownloadAsync(api, jobId, parse.GetValue(path)!, Console.OpenStandardOutput(), ct);
                return ExitCodes.Ok;
            }

            var partial = target + ".cbs-partial";
            try
            {
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write))
                {
                    await DownloadAsync(api, jobId, parse.GetValue(path)!, file, ct);
                }

                File.Move(partial, target, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            context.Console.Error.WriteLine($"Saved {target} ({new FileInfo(target).Length} bytes).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cat(CliContext context)
    {
        var id = JobCommands.IdArgument();
        var path = new Argument<string>("path") { Description = "The file, relative to the workspace" };
        var command = new Command("cat", "Print a file of the workspace.\nExample: cbs files cat 3f2a README.md") { id, path };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var stdout = Console.OpenStandardOutput();
            await DownloadAsync(api, jobId, parse.GetValue(path)!, stdout, ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task DownloadAsync(ServerApi api, string jobId, string path, Stream destination, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/files/download?path={Uri.EscapeDataString(path)}");
        using var response = await api.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await response.Content.CopyToAsync(destination, ct);
        await destination.FlushAsync(ct);
    }
}
