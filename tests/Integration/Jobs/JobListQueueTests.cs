using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>GET /jobs: each item's queuePosition (as GET /jobs/{id} has it) and the ?repository= filter.</summary>
[Collection(SecondApiCollection.Name)]
public sealed class JobListQueueTests(ApiFactory api)
{
    [Fact]
    public async Task The_list_shows_each_waiting_jobs_place_and_its_tag_changes_when_another_users_job_leaves_the_queue()
    {
        var (alice, aliceRepository, _) = await api.UserWithRepositoryAsync();
        var (bob, bobRepository, _) = await api.UserWithRepositoryAsync();
        var holding = new List<string>();
        try
        {
            // Alice's three sleeping jobs take the shared host's three slots (Jobs:MaxConcurrent = 3).
            for (var i = 0; i < 3; i++)
            {
                var id = await alice.CreateJobAsync(aliceRepository, "scenario: sleep\nhold a slot", gitAware: false);
                holding.Add(id);
                await alice.StartJobAsync(id);
            }

            foreach (var id in holding)
            {
                await WaitForStatusAsync(alice, id, "running");
            }

            // Bob has nothing running, so his job goes before Alice's next one.
            var bobs = await bob.CreateJobAsync(bobRepository, "scenario: sleep\nwait", gitAware: false);
            holding.Add(bobs);
            await bob.StartJobAsync(bobs);
            var alices = await alice.CreateJobAsync(aliceRepository, "scenario: sleep\nwait too", gitAware: false);
            holding.Add(alices);
            await alice.StartJobAsync(alices);
            var single = (await alice.GetJobAsync(alices)).GetProperty("queuePosition").GetInt32();
            single.ShouldBe(2);
            (await bob.GetJobAsync(bobs)).GetProperty("queuePosition").GetInt32().ShouldBe(1);

            using var first = await alice.GetAsync("/jobs?pageSize=10");
            first.StatusCode.ShouldBe(HttpStatusCode.OK);
            var firstBody = await first.Content.ReadAsStringAsync();
            var items = Items(firstBody);
            items[alices].ShouldBe(single);
            foreach (var id in holding.Take(3))
            {
                items[id].ShouldBe(0, "a running job has no place in the queue");
            }

            Items(await bob.GetStringAsync("/jobs"))[bobs].ShouldBe(1);

            // Asked again while nothing changed: the same page (kept in memory with its revision) and the same tag.
            using var repeated = await alice.GetAsync("/jobs?pageSize=10");
            repeated.Headers.ETag.ShouldBe(first.Headers.ETag);
            (await repeated.Content.ReadAsStringAsync()).ShouldBe(firstBody);

            // Bob cancels: Alice's job moves up while nothing of hers changed. A plain read no longer gets the kept page,
            // and her list's tag says so.
            (await bob.PostAsync($"/jobs/{bobs}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
            Items(await alice.GetStringAsync("/jobs?pageSize=10"))[alices].ShouldBe(1);
            using var again = new HttpRequestMessage(HttpMethod.Get, "/jobs?pageSize=10");
            again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            using var moved = await alice.SendAsync(again);
            moved.StatusCode.ShouldBe(HttpStatusCode.OK);
            moved.Headers.ETag.ShouldNotBe(first.Headers.ETag);
            Items(await moved.Content.ReadAsStringAsync())[alices].ShouldBe(1);
            (await alice.GetJobAsync(alices)).GetProperty("queuePosition").GetInt32().ShouldBe(1);

            // Unchanged since: a 304.
            using var same = new HttpRequestMessage(HttpMethod.Get, "/jobs?pageSize=10");
            same.Headers.IfNoneMatch.Add(moved.Headers.ETag!);
            (await alice.SendAsync(same)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        }
        finally
        {
            foreach (var id in holding)
            {
                var owner = (await alice.GetAsync($"/jobs/{id}")).IsSuccessStatusCode ? alice : bob;
                await owner.PostAsync($"/jobs/{id}/cancel", null);
                await owner.WaitForJobAsync(id);
            }
        }
    }

    [Fact]
    public async Task The_list_filters_by_repository_with_its_own_total_and_tag_and_refuses_a_name_that_cannot_be_one()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var other = $"other-{Guid.NewGuid():N}"[..20];
        var (source, _) = api.Sources.Create(other, new Dictionary<string, string> { ["README.md"] = "# other\n" });
        (await client.RegisterAsync(other, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(other)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        var mine = new List<string>();
        var theirs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            mine.Add(await client.CreateJobAsync(repository, $"job {i}", gitAware: false));
        }

        for (var i = 0; i < 2; i++)
        {
            theirs.Add(await client.CreateJobAsync(other, $"other job {i}", gitAware: false));
        }

        await ShouldListAsync(client, $"repository={repository}", Enumerable.Reverse(mine), 3);
        await ShouldListAsync(client, $"repository={other}", Enumerable.Reverse(theirs), 2);
        await ShouldListAsync(client, $"repository={repository}&pageSize=2&page=2", [mine[0]], 3);
        await ShouldListAsync(client, "pageSize=5", mine.Concat(theirs).Reverse(), 5);
        (await client.PostAsync($"/jobs/{mine[1]}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldListAsync(client, $"repository={repository}&status=cancelled", [mine[1]], 1);
        await ShouldListAsync(client, $"repository={other}&status=cancelled", [], 0);
        await ShouldListAsync(client, "repository=no-such-repository", [], 0);

        // Each filter has its own tag.
        using var all = await client.GetAsync("/jobs");
        using var filtered = await client.GetAsync($"/jobs?repository={repository}");
        filtered.Headers.ETag.ShouldNotBe(all.Headers.ETag);

        using var refused = await client.GetAsync("/jobs?repository=..%2Fetc");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    private static Dictionary<string, int> Items(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("jobs").EnumerateArray()
            .ToDictionary(j => j.GetProperty("jobId").GetString()!, j => j.GetProperty("queuePosition").GetInt32());

    private static async Task WaitForStatusAsync(HttpClient client, string jobId, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetJobAsync(jobId)).Status() != status)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"{jobId} never reached {status}");
            await Task.Delay(100);
        }
    }

    private static async Task ShouldListAsync(HttpClient client, string query, IEnumerable<string> jobIds, int total)
    {
        var page = JsonDocument.Parse(await client.GetStringAsync($"/jobs?{query}")).RootElement;
        page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).ShouldBe(jobIds, query);
        page.GetProperty("total").GetInt32().ShouldBe(total, query);
    }
}
