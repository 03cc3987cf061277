using System.Net;
using System.Text.Json;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>Pollers revalidate: <c>GET /jobs/{id}</c> and <c>GET /jobs</c> carry an ETag and answer 304 while nothing changed.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class JobConditionalReadTests(ApiFactory api)
{
    [Fact]
    public async Task A_job_carries_a_strong_ETag_and_the_same_tag_is_a_304_without_a_body()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "tagged");

        var first = await client.GetAsync($"/jobs/{jobId}");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var tag = first.Headers.ETag.ShouldNotBeNull();
        tag.IsWeak.ShouldBeFalse();
        first.Headers.CacheControl.ShouldNotBeNull().NoCache.ShouldBeTrue();
        first.Headers.CacheControl!.Private.ShouldBeTrue();
        JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetString().ShouldBe(jobId);

        var again = await GetIfNoneMatchAsync(client, $"/jobs/{jobId}", tag.ToString());

        again.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        again.Headers.ETag.ShouldBe(tag);
        again.Headers.CacheControl.ShouldNotBeNull().NoCache.ShouldBeTrue();
        (await again.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task After_the_job_changes_its_old_tag_is_a_200_with_the_new_job_and_a_new_tag()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "changing");
        var created = (await client.GetAsync($"/jobs/{jobId}")).Headers.ETag!.ToString();

        // An event as the pipeline appends one: the job's tool count moves, its status does not.
        using (var scope = api.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
            store.Append(JobStream.For(jobId), new AgentToolUsed(jobId, "Read", "README.md", DateTimeOffset.UtcNow));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        var afterTool = await GetIfNoneMatchAsync(client, $"/jobs/{jobId}", created);
        afterTool.StatusCode.ShouldBe(HttpStatusCode.OK);
        var toolTag = afterTool.Headers.ETag.ShouldNotBeNull().ToString();
        toolTag.ShouldNotBe(created);
        JsonDocument.Parse(await afterTool.Content.ReadAsStringAsync()).RootElement.GetProperty("toolUses").GetInt32().ShouldBe(1);
        (await GetIfNoneMatchAsync(client, $"/jobs/{jobId}", toolTag)).StatusCode.ShouldBe(HttpStatusCode.NotModified);

        (await client.PostAsync($"/jobs/{jobId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var afterCancel = await GetIfNoneMatchAsync(client, $"/jobs/{jobId}", toolTag);
        afterCancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        afterCancel.Headers.ETag.ShouldNotBeNull().ToString().ShouldNotBeOneOf(created, toolTag);
        JsonDocument.Parse(await afterCancel.Content.ReadAsStringAsync()).RootElement.Status().ShouldBe("cancelled");
    }

    [Fact]
    public async Task A_waiting_job_s_tag_changes_when_its_place_in_the_queue_does_though_the_job_does_not()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var ahead = await client.CreateJobAsync(repository, "ahead");
        var behind = await client.CreateJobAsync(repository, "behind");
        // Queued in the store only, with no message for a pipeline: both wait, in this order, until cancelled.
        using (var scope = api.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
            store.Append(JobStream.For(ahead), new JobQueued(ahead, DateTimeOffset.UtcNow));
            store.Append(JobStream.For(behind), new JobQueued(behind, DateTimeOffset.UtcNow.AddMilliseconds(1)));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        try
        {
            var waiting = await client.GetAsync($"/jobs/{behind}");
            var position = JsonDocument.Parse(await waiting.Content.ReadAsStringAsync()).RootElement.GetProperty("queuePosition").GetInt32();
            position.ShouldBeGreaterThan(1);
            var tag = waiting.Headers.ETag.ShouldNotBeNull().ToString();
            (await GetIfNoneMatchAsync(client, $"/jobs/{behind}", tag)).StatusCode.ShouldBe(HttpStatusCode.NotModified);

            (await client.PostAsync($"/jobs/{ahead}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

            var moved = await GetIfNoneMatchAsync(client, $"/jobs/{behind}", tag);
            moved.StatusCode.ShouldBe(HttpStatusCode.OK);
            moved.Headers.ETag.ShouldNotBeNull().ToString().ShouldNotBe(tag);
            JsonDocument.Parse(await moved.Content.ReadAsStringAsync()).RootElement.GetProperty("queuePosition").GetInt32().ShouldBe(position - 1);
        }
        finally
        {
            await client.PostAsync($"/jobs/{ahead}/cancel", null);
            await client.PostAsync($"/jobs/{behind}/cancel", null);
        }
    }

    [Fact]
    public async Task Another_user_s_job_or_a_deleted_one_is_a_404_whatever_tag_is_sent()
    {
        var (owner, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await owner.CreateJobAsync(repository, "not yours");
        var tag = (await owner.GetAsync($"/jobs/{jobId}")).Headers.ETag!.ToString();
        var stranger = await api.LoginAsync(api.Accounts.Add());

        foreach (var guess in new[] { tag, "*", $"W/{tag}" })
        {
            await (await GetIfNoneMatchAsync(stranger, $"/jobs/{jobId}", guess)).ShouldBeProblem(HttpStatusCode.NotFound);
        }

        (await owner.DeleteAsync($"/jobs/{jobId}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await GetIfNoneMatchAsync(owner, $"/jobs/{jobId}", tag)).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await GetIfNoneMatchAsync(owner, $"/jobs/{jobId}", "*")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task If_None_Match_matches_weakly_any_tag_of_a_list_or_star_and_ignores_what_does_not_parse()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "conditions");
        var tag = (await client.GetAsync($"/jobs/{jobId}")).Headers.ETag!.ToString();

        foreach (var matching in new[] { tag, $"W/{tag}", $"\"elsewhere\", {tag}", "*" })
        {
            (await GetIfNoneMatchAsync(client, $"/jobs/{jobId}", matching)).StatusCode.ShouldBe(HttpStatusCode.NotModified, matching);
        }

        foreach (var other in new[] { "\"elsewhere\"", "W/\"elsewhere\"", tag.Trim('"'), "" })
        {
            var response = await GetIfNoneMatchAsync(client, $"/jobs/{jobId}", other);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, other);
            response.Headers.ETag.ShouldNotBeNull().ToString().ShouldBe(tag);
        }
    }

    [Fact]
    public async Task The_list_s_tag_changes_when_a_job_is_added_or_changes_and_differs_by_page()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        await client.CreateJobAsync(repository, "first");

        var first = await client.GetAsync("/jobs");
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var tag = first.Headers.ETag.ShouldNotBeNull().ToString();
        first.Headers.CacheControl.ShouldNotBeNull().NoCache.ShouldBeTrue();
        var unchanged = await GetIfNoneMatchAsync(client, "/jobs", tag);
        unchanged.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        (await unchanged.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
        (await GetIfNoneMatchAsync(client, "/jobs?page=2", tag)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await GetIfNoneMatchAsync(client, "/jobs?status=created", tag)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var second = await client.CreateJobAsync(repository, "second");

        var added = await GetIfNoneMatchAsync(client, "/jobs", tag);
        added.StatusCode.ShouldBe(HttpStatusCode.OK);
        var addedTag = added.Headers.ETag.ShouldNotBeNull().ToString();
        addedTag.ShouldNotBe(tag);
        JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt32().ShouldBe(2);

        (await client.PostAsync($"/jobs/{second}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var changed = await GetIfNoneMatchAsync(client, "/jobs", addedTag);
        changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        changed.Headers.ETag.ShouldNotBeNull().ToString().ShouldNotBe(addedTag);
        (await GetIfNoneMatchAsync(client, "/jobs", changed.Headers.ETag!.ToString())).StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task An_invalid_page_is_a_400_even_with_a_matching_tag()
    {
        var (client, _, _) = await api.UserWithRepositoryAsync();

        await (await GetIfNoneMatchAsync(client, "/jobs?pageSize=0", "*")).ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    private static Task<HttpResponseMessage> GetIfNoneMatchAsync(HttpClient client, string path, string ifNoneMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        return client.SendAsync(request);
    }
}
