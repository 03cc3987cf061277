using System.CommandLine;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;
using Spectre.Console;

namespace ClaudeBatch.Cli.Commands;

/// <summary>What a job changed and what to do next: <c>cbs diff</c>, <c>cbs say</c> (a follow-up turn), <c>cbs push</c>.</summary>
public static class ChangeCommands
{
    public static Command Diff(CliContext context)
    {
        var id = JobCommands.IdArgument();
        var stat = new Option<bool>("--stat") { Description = "Files changed with lines added and deleted, instead of the diff" };
        var command = new Command("diff", "What the agent changed, against the commit the workspace was copied from.\nExamples:\n  cbs diff 3f2a\n  cbs diff 3f2a --stat") { id, stat };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            if (parse.GetValue(stat) || context.Json(parse))
            {
                var changes = await api.GetAsync<ChangeStat>($"/jobs/{jobId}/diff?format=stat", ct);
                if (context.Json(parse))
                {
                    Output.Json(context.Console, changes);
                    return ExitCodes.Ok;
                }

                var table = Output.Table("FILE", "STATUS", "+", "−");
                foreach (var file in changes.Files)
                {
                    Output.Row(table, file.Path, file.OldPath is null ? file.Status : $"{file.Status} from {file.OldPath}", file.Binary ? "bin" : $"{file.Additions}", file.Binary ? "" : $"{file.Deletions}");
                }

                context.Console.Out.Write(table);
                context.Console.WriteLine($"{changes.Files.Count} file{(changes.Files.Count == 1 ? "" : "s")} changed, +{changes.Additions} −{changes.Deletions}");
                return ExitCodes.Ok;
            }

            var diff = await api.GetTextAsync($"/jobs/{jobId}/diff", ct);
            DiffColours.Write(context.Console, diff);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Say(CliContext context)
    {
        var id = JobCommands.IdArgument();
        var prompt = new Argument<string>("prompt") { Description = "What to tell the agent next" };
        var files = new Option<string[]>("--file", "-f") { Description = "Upload a file first (repeatable); the prompt names it {{name}}", AllowMultipleArgumentsPerToken = false };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the turn ends; exit 0 if it completed, 1 if not" };
        var follow = new Option<bool>("--follow", "-F") { Description = "Show the agent's work live until the turn ends" };
        var command = new Command("say", "Answer a finished job: the agent resumes its session in the same workspace.\nExample: cbs say 3f2a \"Now add tests for it\" --follow")
        {
            id, prompt, files, wait, follow,
        };
        command.SetAction(async (parse, ct) =>
        {
            var uploads = parse.GetValue(files) ?? [];
            Uploads.CheckReadable(uploads);
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            await Uploads.UploadAsync(api, jobId, uploads, ct);
            var queued = await api.PostOnceAsync<FollowUpJob.Response>($"/jobs/{jobId}/prompts", new FollowUpRequest(parse.GetValue(prompt)), ct);
            var json = context.Json(parse);
            if (!parse.GetValue(wait) && !parse.GetValue(follow))
            {
                if (json)
                {
                    Output.Json(context.Console, queued);
                }
                else
                {
                    context.Console.WriteLine($"Turn {queued.Turn} of job {jobId} queued{(queued.QueuePosition > 0 ? $" (position {queued.QueuePosition})" : "")}.");
                }

                return ExitCodes.Ok;
            }

            return await JobWaiting.WaitOrFollowAsync(context, api, jobId, queued.Turn, parse.GetValue(follow), json, ct);
        });
        return command;
    }

    public static Command Push(CliContext context)
    {
        var id = JobCommands.IdArgument();
        var branch = new Option<string?>("--branch", "-b") { Description = "The branch to push (default claude-batch/<first 8 of the id>)" };
        var message = new Option<string?>("--message", "-m") { Description = "The commit message" };
        var force = new Option<bool>("--force") { Description = "Replace the branch if this job pushed it before" };
        var command = new Command("push", "Commit the job's changes and push them to the repository's origin as a branch.\nExample: cbs push 3f2a --branch fix/login")
        {
            id, branch, message, force,
        };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var pushed = await api.PostAsync<PushJobChanges.Response>(
                $"/jobs/{jobId}/push", new PushRequest(parse.GetValue(branch), parse.GetValue(message), parse.GetValue(force) ? true : null), ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, pushed);
            }
            else
            {
                context.Console.Out.MarkupLine($"Pushed [bold]{Markup.Escape(pushed.Branch)}[/] at {Markup.Escape(pushed.Commit[..Math.Min(12, pushed.Commit.Length)])}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
