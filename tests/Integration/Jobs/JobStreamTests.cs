using System.Net;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary><c>GET /jobs/{id}/stream</c>: live Server-Sent Events, resumable with Last-Event-ID.</summary>
[Collection(SecondApiCollection.Name)]
public sealed class JobStreamTests(ApiFactory api)
{
    [Fact]
    public async Task A_watched_job_streams_its_statuses_and_messages_live_and_the_stream_ends_with_it()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: narrate", gitAware: false);
        using var stream = await client.OpenStreamAsync(jobId);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        stream.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");

        var reading = stream.ReadToEndAsync();
        await client.StartJobAsync(jobId);
        var frames = (await reading).Where(f => f.Comment is null).ToList();

        frames.Select(f => f.Id!.Value).ShouldBeInOrder(SortDirection.Ascending);
        frames.Select(f => f.Id).Distinct().Count().ShouldBe(frames.Count);
        var statuses = frames.Where(f => f.Event == "status").Select(f => f.Json.GetProperty("status").GetString()).ToList();
        statuses.ShouldBe(["created", "queued", "running", "completed"], ignoreOrder: false, customMessage: string.Join("\n", frames.Select(f => f.Data)));
        api.Services.GetRequiredService<JobChangeSignals>().IsWatched(jobId).ShouldBeFalse();
        var messages = frames.Where(f => f.Event == "message").Select(f => f.Json).ToList();
        messages.Select(m => m.GetProperty("type").GetString()).ShouldBe(
            ["AgentSessionStarted", "AgentSaid", "AgentToolUsed", "AgentToolReturned", "AgentSaid"]);
        messages[2].GetProperty("data").GetProperty("tool").GetString().ShouldBe("Bash");
        messages[2].GetProperty("data").GetProperty("summary").GetString().ShouldBe("ls -la");
        messages[3].GetProperty("data").GetProperty("summary").GetString().ShouldBe("README.md src");
        frames[^1].Json.GetProperty("data").GetProperty("result").GetProperty("output").GetString().ShouldBe("Two entries.");

        // Live, not replayed at the end: the tool call arrived while the agent was still pausing (2 s) before its result.
        // Replayed frames come milliseconds apart; half a second leaves room for a loaded machine delaying the first.
        var toolUse = frames.Single(f => f.Event == "message" && f.Json.GetProperty("type").GetString() == "AgentToolUsed");
        var toolResult = frames.Single(f => f.Event == "message" && f.Json.GetProperty("type").GetString() == "AgentToolReturned");
        (toolResult.ReceivedAt - toolUse.ReceivedAt).ShouldBeGreaterThan(TimeSpan.FromSeconds(0.5));
    }

    [Fact]
    public async Task A_reconnect_with_Last_Event_ID_resumes_without_gaps_or_duplicates()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: narrate", gitAware: false);
        await client.StartJobAsync(jobId);

        // First connection: drop it as soon as the tool call has been seen (the agent is still working).
        var first = new List<SseFrame>();
        using (var stream = await client.OpenStreamAsync(jobId))
        {
            await foreach (var frame in stream.ReadFramesAsync())
            {
                if (frame.Comment is not null)
                {
                    continue;
                }

                first.Add(frame);
                if (frame.Event == "message" && frame.Json.GetProperty("type").GetString() == "AgentToolUsed")
                {
                    break;
                }
            }
        }

        using var again = await client.OpenStreamAsync(jobId, lastEventId: first[^1].Id);
        var rest = (await again.ReadToEndAsync()).Where(f => f.Comment is null).ToList();

        rest.ShouldNotBeEmpty();
        rest[0].Id.ShouldBe(first[^1].Id + 1);
        var all = first.Concat(rest).Select(f => f.Id!.Value).ToList();
        all.ShouldBe(Enumerable.Range(1, all.Count).Select(i => (long)i).ToList(), "ids are the stream versions 1..n, none missed or repeated");
        var events = await client.EventsAsync(jobId);
        all.Count.ShouldBe(events.Count);
        rest[^1].Json.GetProperty("status").GetString().ShouldBe("completed");
    }

    [Fact]
    public async Task The_stream_of_a_finished_job_replays_everything_closes_and_leaves_no_watch_behind()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var finished = await client.RunJobAsync(repository, "scenario: success");
        var jobId = finished.GetProperty("jobId").GetString()!;

        using var stream = await client.OpenStreamAsync(jobId);
        var frames = (await stream.ReadToEndAsync(TimeSpan.FromSeconds(10))).Where(f => f.Comment is null).ToList();

        frames.Count.ShouldBe((await client.EventsAsync(jobId)).Count);
        frames[0].Json.GetProperty("type").GetString().ShouldBe("JobCreated");
        frames[^1].Event.ShouldBe("status");
        frames[^1].Json.GetProperty("status").GetString().ShouldBe("completed");
        frames[^1].Json.GetProperty("previousStatus").GetString().ShouldBe("running");
        // No commit will ever come to a finished job to clear a registered wake-up: the stream must drop its own.
        api.Services.GetRequiredService<JobChangeSignals>().IsWatched(jobId).ShouldBeFalse();
    }

    [Fact]
    public async Task Only_the_owner_may_watch_and_a_bad_Last_Event_ID_is_a_400()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: instant");
        var stranger = await api.LoginAsync(api.Accounts.Add());

        await (await stranger.OpenStreamAsync(jobId)).ShouldBeProblem(HttpStatusCode.NotFound);
        var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/stream");
        request.Headers.Add("Last-Event-ID", "-3");
        (await (await client.SendAsync(request)).ShouldBeProblem(HttpStatusCode.BadRequest))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:invalid-last-event-id");
        (await api.CreateClient().GetAsync($"/jobs/{jobId}/stream")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
