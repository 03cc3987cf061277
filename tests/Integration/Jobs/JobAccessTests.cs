using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

[Collection(ThirdApiCollection.Name)]
public sealed class JobAccessTests(ApiFactory api)
{
    [Fact]
    public async Task Another_user_s_job_is_a_404_on_every_route()
    {
        var (owner, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await owner.CreateJobAsync(repository, "mine");
        var stranger = await api.LoginAsync(api.Accounts.Add());

        await (await stranger.GetAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.PostAsync($"/jobs/{jobId}/start", null)).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.PostAsync($"/jobs/{jobId}/cancel", null)).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/jobs/{jobId}/events")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/jobs/{jobId}/history?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.DeleteAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
        JsonDocument.Parse(await stranger.GetStringAsync("/jobs")).RootElement.GetProperty("total").GetInt32().ShouldBe(0);
        (await owner.GetJobAsync(jobId)).Status().ShouldBe("created");
    }

    [Fact]
    public async Task An_id_that_is_not_a_job_id_is_a_404()
    {
        var (client, _, _) = await api.UserWithRepositoryAsync();

        await (await client.GetAsync($"/jobs/{Guid.NewGuid()}")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await client.GetAsync("/jobs/..%2F..%2Fetc")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("", 60, "prompt")]
    [InlineData("hi", 0, "timeout")]
    [InlineData("hi", 86401, "timeout")]
    public async Task Invalid_job_requests_are_400s_naming_the_field(string prompt, int timeout, string field)
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var response = await client.CreateJobRawAsync(new { prompt, repository, options = new { timeout } });

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name.ToLowerInvariant()).ShouldContain(f => f.Contains(field));
    }

    [Theory]
    [InlineData("\"prompt\":\"a\\u0000b\"", "prompt")]
    [InlineData("\"prompt\":\"hi\",\"images\":[\"a.png\",null]", "images")]
    public async Task A_NUL_in_the_prompt_or_a_null_image_is_a_400_naming_the_field_not_a_500(string members, string field)
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var response = await client.PostAsync("/jobs", new StringContent(
            $"{{\"repository\":\"{repository}\",{members}}}", System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name.ToLowerInvariant()).ShouldContain(f => f.StartsWith(field));
        JsonDocument.Parse(await client.GetStringAsync("/jobs")).RootElement.GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_prompt_of_100_000_characters_is_accepted_and_one_more_is_refused()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        (await client.CreateJobRawAsync(new { prompt = new string('p', 100_000), repository })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await (await client.CreateJobRawAsync(new { prompt = new string('p', 100_001), repository })).ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_job_needs_a_registered_repository_whose_clone_is_complete()
    {
        var (client, _, _) = await api.UserWithRepositoryAsync();
        var failedName = $"fail-{Guid.NewGuid():N}"[..20];
        await client.RegisterAsync(failedName, Path.Combine(api.Sources.Root, "missing-" + failedName));
        await client.WaitForCloneAsync(failedName);

        await (await client.CreateJobRawAsync(new { prompt = "hi", repository = "no-such-repo" })).ShouldBeProblem(HttpStatusCode.BadRequest);
        await (await client.CreateJobRawAsync(new { prompt = "hi", repository = failedName })).ShouldBeProblem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task The_list_shows_the_caller_s_jobs_newest_first_by_page_and_status()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await client.CreateJobAsync(repository, $"job {i}"));
        }

        await client.RunJobAsync(repository, "scenario: instant");
        await client.PostAsync($"/jobs/{ids[0]}/cancel", null);

        var all = JsonDocument.Parse(await client.GetStringAsync("/jobs")).RootElement;
        all.GetProperty("total").GetInt32().ShouldBe(4);
        var listed = all.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).ToList();
        listed.Skip(1).ShouldBe([ids[2], ids[1], ids[0]]);

        var page = JsonDocument.Parse(await client.GetStringAsync("/jobs?page=2&pageSize=3")).RootElement;
        page.GetProperty("jobs").EnumerateArray().Single().GetProperty("jobId").GetString().ShouldBe(ids[0]);

        var created = JsonDocument.Parse(await client.GetStringAsync("/jobs?status=created")).RootElement;
        created.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).ShouldBe([ids[2], ids[1]]);
        var cancelled = JsonDocument.Parse(await client.GetStringAsync("/jobs?status=cancelled")).RootElement;
        cancelled.GetProperty("total").GetInt32().ShouldBe(1);

        await (await client.GetAsync("/jobs?status=nonsense")).ShouldBeProblem(HttpStatusCode.BadRequest);
        // One status: a list of them is not read as their flags combined.
        await (await client.GetAsync("/jobs?status=created,cancelled")).ShouldBeProblem(HttpStatusCode.BadRequest);
        await (await client.GetAsync("/jobs?status=%20created")).ShouldBeProblem(HttpStatusCode.BadRequest);
        await (await client.GetAsync("/jobs?repository=x%0A")).ShouldBeProblem(HttpStatusCode.BadRequest);
        await (await client.GetAsync("/jobs?pageSize=0")).ShouldBeProblem(HttpStatusCode.BadRequest);
        // A page whose offset would overflow is refused, not sent to the database as a negative OFFSET.
        await (await client.GetAsync("/jobs?page=2147483647")).ShouldBeProblem(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await client.GetStringAsync("/jobs?page=4294967&pageSize=500")).RootElement.GetProperty("jobs").GetArrayLength().ShouldBe(0);
        _ = user;
    }

    [Fact]
    public async Task The_audit_trail_and_history_show_the_job_as_it_was()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: tool-write");
        await Task.Delay(50);
        var beforeStart = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await client.StartJobAsync(jobId);
        var done = await client.WaitForJobAsync(jobId);

        var events = await client.EventsAsync(jobId);
        events.Select(e => e.GetProperty("version").GetInt64()).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long)i));
        events.Select(e => e.GetProperty("sequence").GetInt64()).ShouldBeInOrder();
        events[0].GetProperty("data").GetProperty("prompt").GetString().ShouldBe("scenario: tool-write");

        var then = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/history?at={Uri.EscapeDataString(beforeStart.ToString("O"))}")).RootElement;
        then.Status().ShouldBe("created");
        then.GetProperty("output").ValueKind.ShouldBe(JsonValueKind.Null);

        var now = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/history?at={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}")).RootElement;
        now.Status().ShouldBe("completed");
        now.GetProperty("output").GetString().ShouldBe(done.GetProperty("output").GetString());
        now.GetProperty("toolUses").GetInt32().ShouldBe(2);

        // The same instant written with another offset is the same history.
        var elsewhere = JsonDocument.Parse(await client.GetStringAsync(
            $"/jobs/{jobId}/history?at={Uri.EscapeDataString(beforeStart.ToOffset(TimeSpan.FromHours(-5)).ToString("O"))}")).RootElement;
        elsewhere.Status().ShouldBe("created");

        await (await client.GetAsync($"/jobs/{jobId}/history?at=not-a-date")).ShouldBeProblem(HttpStatusCode.BadRequest);
        await (await client.GetAsync($"/jobs/{jobId}/history?at=2000-01-01T00:00:00Z")).ShouldBeProblem(HttpStatusCode.NotFound);
    }
}
