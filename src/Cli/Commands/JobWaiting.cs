using System.Net;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;
using Spectre.Console;
using Spinner = ClaudeBatch.Cli.Rendering.Spinner;

namespace ClaudeBatch.Cli.Commands;

/// <summary>
/// Waiting for a job's turn to end, quietly (<c>--wait</c>: the view polled with <c>If-None-Match</c>, so an unchanged
/// job costs the server a 304) or live (<c>--follow</c>: the transcript), and how it ended.
/// </summary>
public static class JobWaiting
{
    public static async Task<int> WaitOrFollowAsync(CliContext context, ServerApi api, string jobId, int turn, bool follow, bool json, CancellationToken ct)
    {
        JobDetails job;
        await using (var spinner = new Spinner(context.Console))
        {
            job = follow
                ? await new JobFollower(api, context.Console, new Transcript(context.Console, json), spinner).FollowAsync(jobId, turn, ct)
                : await PollAsync(api, jobId, turn, spinner, ct);
        }

        if (json)
        {
            if (!follow)
            {
                Output.Json(context.Console, job);
            }
        }
        else
        {
            Summarize(context.Console, job, withOutput: !follow);
        }

        return JobFollower.ExitCodeOf(job.Status);
    }

    private static async Task<JobDetails> PollAsync(ServerApi api, string jobId, int turn, Spinner spinner, CancellationToken ct)
    {
        string? etag = null;
        JobDetails? job = null;
        while (true)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}");
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }

            using (var response = await api.SendRawAsync(request, HttpCompletionOption.ResponseContentRead, ct))
            {
                if (response.StatusCode != HttpStatusCode.NotModified)
                {
                    job = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<JobDetails>(response.Content, ServerApi.Json, ct))!;
                    etag = response.Headers.ETag?.ToString();
                    spinner.Label = job.QueuePosition > 0 ? $"queued, position {job.QueuePosition}" : Formats.Words(job.Status.ToString());
                }
            }

            if (job is not null && Formats.IsFinished(job.Status) && job.Turn >= turn)
            {
                return job;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>The end of a turn in one line — status, time, cost, changes — then the error, or the agent's answer.</summary>
    public static void Summarize(CliConsole console, JobDetails job, bool withOutput)
    {
        var took = job.StartedAt is { } started && job.CompletedAt is { } completed ? Formats.Duration(completed - started) : "—";
        var style = Formats.StatusStyle(job.Status);
        console.Out.MarkupLine(
            $"[{style} bold]{Markup.Escape(Formats.Status(job.Status))}[/] · {Markup.Escape(took)} · {Markup.Escape(Formats.Money(job.TotalCostUsd ?? job.CostUsd))}"
            + $" · {Markup.Escape(Formats.Changes(job.Changes))} · job {Markup.Escape(job.JobId)}{(job.Turn > 1 ? $" (turn {job.Turn})" : "")}");
        if (job.Error is { Length: > 0 } error)
        {
            console.Out.MarkupLine($"[red]{Markup.Escape(error)}[/]");
        }

        if (withOutput && job.Output is { Length: > 0 } output)
        {
            console.WriteLine();
            console.WriteLine(output.TrimEnd());
        }
    }
}
