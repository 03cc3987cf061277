using System.CommandLine;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;
using Spectre.Console;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs run REPO "prompt"</c>: create the job, upload its files, start it, and (optionally) watch it.</summary>
public static class RunCommand
{
    public static Command Build(CliContext context)
    {
        var repository = new Argument<string>("repo") { Description = "The registered repository to work in" };
        var prompt = new Argument<string>("prompt") { Description = "What the agent should do; {{name}} refers to an uploaded file" };
        var files = new Option<string[]>("--file", "-f") { Description = "Upload a file for the job (repeatable); the prompt names it {{name}}", AllowMultipleArgumentsPerToken = false };
        var images = new Option<string[]>("--image") { Description = "Upload an image the agent sees (repeatable)", AllowMultipleArgumentsPerToken = false };
        var timeout = new Option<string?>("--timeout") { Description = "How long the agent may run: 90s, 30m, 2h" };
        var model = new Option<string?>("--model", "-m") { Description = "The Claude model" };
        var maxTurns = new Option<int?>("--max-turns") { Description = "The most agent turns" };
        var noGit = new Option<bool>("--no-git") { Description = "Do not pull the repository before the job" };
        var cidx = new Option<bool>("--cidx") { Description = "Index the workspace with cidx first" };
        var noCidx = new Option<bool>("--no-cidx") { Description = "Do not index the workspace with cidx" };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the job ends; exit 0 if it completed, 1 if not" };
        var follow = new Option<bool>("--follow", "-F") { Description = "Show the agent's work live until the job ends; exit 0 if it completed, 1 if not" };
        var command = new Command("run", """
            Run a job: create it, upload its files, start it.
            Examples:
              cbs run my-app "Add a CHANGELOG entry for the last commit" --follow
              cbs run my-app "Review {{spec.md}} against the code" --file spec.md --timeout 30m --wait
            """)
        {
            repository, prompt, files, images, timeout, model, maxTurns, noGit, cidx, noCidx, wait, follow,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(wait) && result.GetValue(follow))
            {
                result.AddError("Choose one of --wait and --follow.");
            }

            if (result.GetValue(cidx) && result.GetValue(noCidx))
            {
                result.AddError("Choose one of --cidx and --no-cidx.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var uploads = (parse.GetValue(files) ?? []).Concat(parse.GetValue(images) ?? []).ToList();
            Uploads.CheckReadable(uploads);
            var seconds = parse.GetValue(timeout) is { } text ? Durations.ParseSeconds(text) : (int?)null;
            bool? cidxAware = parse.GetValue(cidx) ? true : parse.GetValue(noCidx) ? false : null;
            var options = new CreateJobOptions(seconds, parse.GetValue(noGit) ? false : null, cidxAware, parse.GetValue(model), parse.GetValue(maxTurns));
            var request = new CreateJobRequest(
                parse.GetValue(prompt), parse.GetValue(repository), [.. (parse.GetValue(images) ?? []).Select(Path.GetFileName).OfType<string>()], options);

            using var api = context.Api(parse);
            var created = await api.PostOnceAsync<CreateJob.Response>("/jobs", request, ct);
            await Uploads.UploadAsync(api, created.JobId, uploads, ct);
            var started = await api.PostOnceAsync<StartJob.Response>($"/jobs/{created.JobId}/start", null, ct);
            var json = context.Json(parse);
            if (!parse.GetValue(wait) && !parse.GetValue(follow))
            {
                if (json)
                {
                    Output.Json(context.Console, started);
                }
                else
                {
                    context.Console.Out.MarkupLine($"Job [bold]{created.JobId}[/] queued{(started.QueuePosition > 0 ? $" (position {started.QueuePosition})" : "")}. See it with: cbs jobs show {created.JobId[..8]}");
                }

                return ExitCodes.Ok;
            }

            if (!json)
            {
                context.Console.Out.MarkupLine($"[grey]job {created.JobId}[/]");
            }

            return await JobWaiting.WaitOrFollowAsync(context, api, created.JobId, turn: 1, parse.GetValue(follow), json, ct);
        });
        return command;
    }
}
