using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using ClaudeBatch.Integration.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// GET /jobs is written by PostgreSQL (<see cref="IJobListJson"/>): every page, of every filter, must say what the C#
/// mapping of the stored views (<see cref="ListJobs.Item.Of"/>, serialized with the API's options) says.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class JobListJsonTests(ApiFactory api)
{
    private const string Elsewhere = "test-node-elsewhere";

    /// <summary>More than a deep page's offset, so the unfiltered list's later pages are read the deep way.</summary>
    private const int Filler = 510;

    [Fact]
    public async Task Every_page_of_every_filter_is_what_the_CSharp_mapping_of_the_stored_views_says()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var other = $"other-{Guid.NewGuid():N}"[..20];
        var filler = $"filler-{Guid.NewGuid():N}"[..20];
        var someoneElse = api.Accounts.Add().Username;
        var jobs = new List<(string Id, string User)>();
        try
        {
            await AppendAsync(user.Username, someoneElse, repository, other, filler, jobs);

            var options = api.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            List<JobView> views;
            IReadOnlyDictionary<string, int> places;
            using (var scope = api.Services.CreateScope())
            {
                await using var session = api.Services.GetRequiredService<IDocumentStore>().QuerySession();
                views = [.. await session.Query<JobView>().Where(j => j.User == user.Username).ToListAsync()];
                places = await scope.ServiceProvider.GetRequiredService<IQueuePosition>().OfUserAsync(user.Username, CancellationToken.None);
            }

            places.Count.ShouldBe(4, "the test's waiting jobs");
            views.Count(v => v.Prompt.Length > ListJobs.PromptPreviewLength).ShouldBeGreaterThanOrEqualTo(3);
            var statuses = new JobStatus?[] { null }.Concat(views.Select(v => (JobStatus?)v.Status).Distinct()).ToList();
            statuses.Count.ShouldBeGreaterThanOrEqualTo(9);
            var compared = 0;
            foreach (var status in statuses.Append(JobStatus.CidxReady))
            {
                foreach (var repositoryFilter in new[] { null, repository, other, filler, "no-such-repository" })
                {
                    var listed = views
                        .Where(j => !j.Deleted && (status is null || j.Status == status) && (repositoryFilter is null || j.Repository == repositoryFilter))
                        .OrderByDescending(j => j.CreatedAt)
                        .ToList();
                    foreach (var size in new[] { 2, 50, ListJobs.MaxPageSize })
                    {
                        for (var page = 1; page <= listed.Count / size + 1; page++)
                        {
                            // The filler's long run is paged through by the larger pages.
                            if (size == 2 && listed.Count > Filler && (page - 1) * size < listed.Count - 40)
                            {
                                continue;
                            }

                            var query = $"/jobs?page={page}&pageSize={size}"
                                + (status is { } one ? $"&status={JsonNamingPolicy.SnakeCaseLower.ConvertName(one.ToString())}" : "")
                                + (repositoryFilter is null ? "" : $"&repository={repositoryFilter}");
                            var expected = new ListJobs.Response(
                                listed.Skip((page - 1) * size).Take(size).Select(j => ListJobs.Item.Of(j, places.GetValueOrDefault(j.JobId))).ToList(),
                                page, size, listed.Count);
                            using var response = await client.GetAsync(query);
                            var body = await response.Content.ReadAsStringAsync();
                            response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
                            response.Content.Headers.ContentType!.ToString().ShouldBe("application/json; charset=utf-8");
                            Normalized(body, options).ShouldBe(Normalized(JsonSerializer.Serialize(expected, options), options), query);
                            compared++;
                        }
                    }
                }
            }

            compared.ShouldBeGreaterThan(200);
            // The last page there can be: the deepest offset.
            var last = JsonNode.Parse(await client.GetStringAsync($"/jobs?page={ListJobs.MaxPage}&pageSize={ListJobs.MaxPageSize}"))!;
            last["jobs"]!.AsArray().ShouldBeEmpty();
            last["total"]!.GetValue<int>().ShouldBe(views.Count(v => !v.Deleted));
            PostgresJobListJson.DeepPageFrom.ShouldBeLessThan(Filler);
        }
        finally
        {
            // The queue is shared with the other tests: nothing of this one stays in it.
            using var scope = api.Services.CreateScope();
            var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
            foreach (var (id, _) in jobs)
            {
                store.Append(JobStream.For(id), new JobCancelled(id, null, DateTimeOffset.UtcNow));
            }

            await store.SaveChangesAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void The_preview_is_counted_in_code_points_and_never_cuts_a_surrogate_pair()
    {
        // The 200th UTF-16 unit is the first half of an emoji.
        var emoji = "a" + string.Concat(Enumerable.Repeat("🙂", 250));
        ListJobs.PromptPreview(emoji).ShouldBe("a" + string.Concat(Enumerable.Repeat("🙂", 199)));
        ListJobs.PromptPreview("a" + string.Concat(Enumerable.Repeat("🙂", 150))).ShouldBe("a" + string.Concat(Enumerable.Repeat("🙂", 150)));
        ListJobs.PromptPreview(new string('x', 250)).ShouldBe(new string('x', ListJobs.PromptPreviewLength));
        var mixed = string.Concat(Enumerable.Repeat("é🙂", 150));
        ListJobs.PromptPreview(mixed).EnumerateRunes().Count().ShouldBe(ListJobs.PromptPreviewLength);
        ListJobs.PromptPreview(mixed).Length.ShouldBe(300);
    }

    /// <summary>Both texts written the same way: the same escaping, the numbers' and strings' values as they are.</summary>
    private static string Normalized(string json, JsonSerializerOptions options) => JsonNode.Parse(json)!.ToJsonString(options);

    /// <summary>
    /// The user's jobs, one second apart, the oldest first: every status, prompts longer than the preview in emoji and
    /// accents, costs over several turns, changes, errors, waiting jobs among another user's, one deleted; then the
    /// filler, newest.
    /// </summary>
    private async Task AppendAsync(string user, string someoneElse, string repository, string other, string filler, List<(string Id, string User)> jobs)
    {
        var at = DateTimeOffset.UtcNow.AddHours(-2);
        using var scope = api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
        string Job(string owner, string repo, string prompt, Func<string, DateTimeOffset, IEnumerable<object>> then)
        {
            var id = Guid.NewGuid().ToString();
            at = at.AddSeconds(1);
            var created = ClaudeBatch.Domain.Jobs.Job.Create(
                id, owner, repo, prompt, [], new JobOptions(60, false, false, null, null), Path.Combine(api.JobsPath, id, "workspace"), at);
            store.Append(JobStream.For(id), [created, .. then(id, at)]);
            jobs.Add((id, owner));
            return id;
        }

        IEnumerable<object> None(string id, DateTimeOffset t) => [];
        IEnumerable<object> Queued(string id, DateTimeOffset t) => [new JobQueued(id, t.AddMilliseconds(1))];
        IEnumerable<object> Taken(string id, DateTimeOffset t) => [.. Queued(id, t), new JobPipelineStarted(id, Elsewhere, t.AddMilliseconds(2))];
        IEnumerable<object> Running(string id, DateTimeOffset t) => [.. Taken(id, t), new AgentStarted(id, 4242, 1, Elsewhere, t.AddMilliseconds(3))];
        Func<string, DateTimeOffset, IEnumerable<object>> Completed(decimal? cost, int exitCode = 0) => (id, t) =>
            [.. Running(id, t), new ChangesSummarized(id, 3, 120, 7, t.AddMilliseconds(4)),
             new JobCompleted(id, new AgentResult("done", "session-1", cost, 4, 1234, exitCode), t.AddMilliseconds(5))];
        Func<string, DateTimeOffset, IEnumerable<object>> FollowedUp(decimal? first, decimal? second, bool finished = true) => (id, t) =>
            [.. Completed(first)(id, t), new FollowUpRequested(id, 2, "and then ✨", "someone", t.AddMilliseconds(6)),
             new JobQueued(id, t.AddMilliseconds(7)),
             .. finished
                 ? (IEnumerable<object>)[new JobPipelineStarted(id, Elsewhere, t.AddMilliseconds(8)), new AgentStarted(id, 4243, 1, Elsewhere, t.AddMilliseconds(9)),
                    new JobCompleted(id, new AgentResult("again", "session-1", second, 2, 99, 0), t.AddMilliseconds(10))]
                 : []];

        var emoji = "a" + string.Concat(Enumerable.Repeat("🙂", 250));
        var accents = string.Concat(Enumerable.Repeat("é🙂ü", 90));
        var awkward = "line 1\nline 2\t\"quoted\" \\ <b>&amp;</b> 'x' \u001f\u2028 \r\n" + new string('z', 300);
        Job(user, repository, "plain", None);
        Job(user, repository, emoji, None);
        Job(user, other, accents, Queued);
        Job(someoneElse, repository, "another user's job waits too", Queued);
        Job(user, repository, awkward, Queued);
        Job(user, repository, "taken by a server, no place in the queue", Taken);
        Job(user, other, "running", Running);
        Job(user, repository, "git failed", (id, t) => [.. Taken(id, t), new GitPullFailed(id, "could not pull: ✗", t.AddMilliseconds(3))]);
        Job(user, repository, "completed", Completed(0.0123m));
        Job(user, other, "completed, no cost", Completed(null));
        Job(user, repository, "completed, precise cost", Completed(1.23456789012345m));
        Job(user, repository, "two turns", FollowedUp(0.0100m, 0.25m));
        Job(user, other, "two turns, the second without cost", FollowedUp(0.5m, null));
        Job(user, repository, "second turn waits", FollowedUp(0.125m, null, finished: false));
        Job(user, repository, "failed " + emoji, (id, t) =>
            [.. Running(id, t), new JobFailed(id, "The agent exited with code 1: \"boom\"", new AgentResult("", null, 0.002m, 1, 5, 1), t.AddMilliseconds(4))]);
        Job(user, repository, "timed out", (id, t) => [.. Running(id, t), new JobTimedOut(id, 60, null, t.AddMilliseconds(4))]);
        Job(user, other, "cancelled", (id, t) => [.. Queued(id, t), new JobCancelled(id, null, t.AddMilliseconds(2))]);
        Job(user, repository, "deleted", (id, t) => [new JobDeleted(id, user, false, false, t.AddMilliseconds(1))]);
        Job(someoneElse, other, "another user's queued job", Queued);
        Job(user, other, "queued last", Queued);
        for (var i = 0; i < Filler; i++)
        {
            Job(user, filler, $"filler {i}", None);
        }

        await store.SaveChangesAsync(CancellationToken.None);
    }
}
