using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// The database's notification of a stored job view says whether the job is to stop (asked to cancel, or deleted): a
/// server running the job reads the view for its cancel only then, not after each of the pipeline's own commits.
/// </summary>
[Collection(SecondApiCollection.Name)]
public sealed class JobViewNotifyTests(ApiFactory api)
{
    [Fact]
    public async Task Each_stored_view_is_notified_with_stop_false_until_the_job_is_asked_to_cancel_or_deleted()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        await using var listening = new NpgsqlConnection(api.ConnectionString);
        await listening.OpenAsync();
        var heard = new ConcurrentQueue<JsonElement>();
        listening.Notification += (_, e) => heard.Enqueue(JsonDocument.Parse(e.Payload).RootElement.Clone());
        await using (var listen = new NpgsqlCommand($"LISTEN {JobViewListener.Channel}", listening))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var jobId = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        await client.StartJobAsync(jobId);
        await client.WaitForJobAsync(jobId, j => j.Status() == "running");
        var running = await HeardAsync(listening, heard, jobId, mine => mine.Count >= 3);
        running.ShouldAllBe(n => !Stop(n), string.Join('\n', running));

        (await client.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await client.WaitForJobAsync(jobId, j => j.Status() == "cancelled");
        // From the first that says stop (the request, with the end when the job is cancelled at once), all do.
        var all = await HeardAsync(listening, heard, jobId, mine => mine.Any(Stop));
        var asked = all.FindIndex(Stop);
        asked.ShouldBeGreaterThanOrEqualTo(running.Count, string.Join('\n', all));
        all.Skip(asked).ShouldAllBe(n => Stop(n), string.Join('\n', all));
        all.Take(asked).ShouldAllBe(n => !Stop(n), string.Join('\n', all));

        var other = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        (await client.DeleteAsync($"/jobs/{other}")).IsSuccessStatusCode.ShouldBeTrue();
        var deleted = await HeardAsync(listening, heard, other, mine => mine.Any(Stop));
        Stop(deleted[0]).ShouldBeFalse("created");
        Stop(deleted[^1]).ShouldBeTrue(string.Join('\n', deleted));
    }

    private static bool Stop(JsonElement notification) => notification.GetProperty("stop").GetBoolean();

    /// <summary>The notifications of the job's view heard so far, in order, once they satisfy <paramref name="enough"/>.</summary>
    private static async Task<List<JsonElement>> HeardAsync(
        NpgsqlConnection listening, ConcurrentQueue<JsonElement> heard, string jobId, Func<List<JsonElement>, bool> enough)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var mine = heard.Where(n => n.TryGetProperty("id", out var id) && id.GetString() == $"job:{jobId}").ToList();
            if (enough(mine))
            {
                return mine;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"not enough notifications heard for {jobId}:\n{string.Join('\n', mine)}");
            await listening.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }
}
