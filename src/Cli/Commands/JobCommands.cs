using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;
using Spectre.Console;

namespace ClaudeBatch.Cli.Commands;

/// <summary><c>cbs jobs list|show|events|history|cancel|rm</c>.</summary>
public static class JobCommands
{
    public static Command Build(CliContext context)
    {
        var jobs = new Command("jobs", "Your jobs. IDs may be shortened to a unique start, like git's.\nExample: cbs jobs list --status running");
        jobs.Subcommands.Add(List(context));
        jobs.Subcommands.Add(Show(context));
        jobs.Subcommands.Add(Events(context));
        jobs.Subcommands.Add(History(context));
        jobs.Subcommands.Add(Cancel(context));
        jobs.Subcommands.Add(Remove(context));
        return jobs;
    }

    public static Argument<string> IdArgument() => new("id") { Description = "The job's id, or a unique start of it" };

    private static Command List(CliContext context)
    {
        var status = new Option<string?>("--status", "-s") { Description = "Only jobs in this status (queued, running, completed, failed, …)" };
        var repo = new Option<string?>("--repo", "-r") { Description = "Only jobs of this repository" };
        var page = new Option<int>("--page") { Description = "Which page (1 is the newest)", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "Jobs per page (1–500)", DefaultValueFactory = _ => 50 };
        var allPages = new Option<bool>("--all-pages", "-a") { Description = "Every page, not only the first" };
        var command = new Command("list", "Your jobs, newest first.\nExample: cbs jobs list --repo my-app --all-pages") { status, repo, page, pageSize, allPages };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var filter = parse.GetValue(status) is { } s ? $"&status={Uri.EscapeDataString(s)}" : "";
            var size = Math.Clamp(parse.GetValue(pageSize), 1, ListJobs.MaxPageSize);
            var items = new List<ListJobs.Item>();
            var total = 0;
            for (var number = Math.Max(1, parse.GetValue(page)); ; number++)
            {
                var response = await api.GetAsync<ListJobs.Response>($"/jobs?page={number}&pageSize={size}{filter}", ct);
                items.AddRange(response.Jobs);
                total = response.Total;
                if (!parse.GetValue(allPages) || response.Jobs.Count == 0 || number * size >= response.Total)
                {
                    break;
                }
            }

            if (parse.GetValue(repo) is { } repository)
            {
                items = [.. items.Where(j => j.Repository == repository)];
            }

            if (context.Json(parse))
            {
                Output.Json(context.Console, items);
                return ExitCodes.Ok;
            }

            var now = DateTimeOffset.UtcNow;
            var table = Output.Table("ID", "STATUS", "REPO", "CREATED", "TURN", "COST", "CHANGES", "PROMPT");
            foreach (var j in items)
            {
                table.AddRow(
                    new Text(j.JobId[..8]), new Markup($"[{Formats.StatusStyle(j.Status)}]{Formats.Status(j.Status)}[/]"), new Text(j.Repository),
                    new Text(Formats.Ago(j.CreatedAt, now)), new Text(j.Turn.ToString(CultureInfo.InvariantCulture)), new Text(Formats.Money(j.TotalCostUsd ?? j.CostUsd)),
                    new Text(Formats.Changes(j.Changes)), new Text(Formats.Excerpt(j.Prompt, 48)));
            }

            context.Console.Out.Write(table);
            if (items.Count < total && !parse.GetValue(allPages) && parse.GetValue(repo) is null)
            {
                context.Console.Error.WriteLine($"{items.Count} of {total} jobs; --all-pages shows every one.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("show", "One job: status, times, cost, changes, its turns and its answer.\nExample: cbs jobs show 3f2a") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            Print(context, parse, await api.GetAsync<JobDetails>($"/jobs/{jobId}", ct));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command History(CliContext context)
    {
        var id = IdArgument();
        var at = new Option<DateTimeOffset>("--at") { Description = "The instant (ISO 8601, e.g. 2026-12-05T10:15:00Z)", Required = true };
        var command = new Command("history", "The job as it stood at an instant, rebuilt from its events.\nExample: cbs jobs history 3f2a --at 2026-12-05T10:15:00Z") { id, at };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var instant = parse.GetValue(at).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
            Print(context, parse, await api.GetAsync<JobDetails>($"/jobs/{jobId}/history?at={Uri.EscapeDataString(instant)}", ct));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Events(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("events", "Every stored event of the job, in order (the audit trail).\nExample: cbs jobs events 3f2a --json") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var events = await api.GetAsync<List<JsonElement>>($"/jobs/{jobId}/events", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, events);
                return ExitCodes.Ok;
            }

            var table = Output.Table("#", "AT", "EVENT", "DETAIL");
            foreach (var e in events)
            {
                var data = e.TryGetProperty("data", out var d) ? d : default;
                Output.Row(
                    table, e.GetProperty("version").GetRawText(), e.GetProperty("timestamp").GetDateTimeOffset().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture),
                    e.GetProperty("type").GetString() ?? "", Detail(data));
            }

            context.Console.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("cancel", "Cancel a queued or running job (its processes are stopped).\nExample: cbs jobs cancel 3f2a") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var response = await api.PostAsync<CancelJob.Response>($"/jobs/{jobId}/cancel", null, ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, response);
            }
            else
            {
                context.Console.WriteLine(response.Message);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("rm", "Delete a job and its workspace (a running one is stopped first).\nExample: cbs jobs rm 3f2a") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var api = context.Api(parse);
            var jobId = await JobIds.ResolveAsync(api, parse.GetValue(id)!, ct);
            var response = await api.DeleteAsync<DeleteJob.Response>($"/jobs/{jobId}", ct);
            if (context.Json(parse))
            {
                Output.Json(context.Console, response);
            }
            else
            {
                context.Console.WriteLine($"Job {jobId} deleted{(response.RemovalPending ? "; its workspace will be removed shortly" : "")}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(CliContext context, ParseResult parse, JobDetails job)
    {
        if (context.Json(parse))
        {
            Output.Json(context.Console, job);
            return;
        }

        Output.Fields(context.Console,
        [
            ("job", job.JobId), ("status", Formats.Status(job.Status) + (job.QueuePosition > 0 ? $" (position {job.QueuePosition})" : "")),
            ("repository", job.Repository), ("created", job.CreatedAt.ToString("u", CultureInfo.InvariantCulture)),
            ("started", job.StartedAt?.ToString("u", CultureInfo.InvariantCulture)), ("completed", job.CompletedAt?.ToString("u", CultureInfo.InvariantCulture)),
            ("turn", job.Turn > 1 ? job.Turn.ToString(CultureInfo.InvariantCulture) : null), ("cost", Formats.Money(job.TotalCostUsd ?? job.CostUsd)),
            ("changes", job.Changes is null ? null : Formats.Changes(job.Changes)), ("base commit", job.BaseCommit),
            ("git", Formats.SnakeCase(job.GitStatus.ToString())), ("cidx", Formats.SnakeCase(job.CidxStatus.ToString())),
            ("session", job.SessionId), ("error", job.Error), ("prompt", Formats.Excerpt(job.Prompt, 100)),
        ]);
        if (job.Output is { Length: > 0 } output)
        {
            context.Console.WriteLine();
            context.Console.WriteLine(output.TrimEnd());
        }
    }

    private static string Detail(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        foreach (var name in new[] { "text", "summary", "reason", "prompt", "status", "commitHash", "branch" })
        {
            if (data.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return Formats.Excerpt(value.GetString(), 80);
            }
        }

        return "";
    }
}
