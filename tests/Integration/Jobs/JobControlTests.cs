using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>Timeouts, cancel and delete: whatever happens, nothing the job started is left running.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class JobControlTests(ApiFactory api)
{
    [Fact]
    public async Task A_job_past_its_timeout_is_killed_with_its_whole_process_tree()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: grandchild", timeout: 2);

        job.Status().ShouldBe("timeout", job.ToString());
        job.GetProperty("error").GetString()!.ShouldContain("2 seconds");
        await ShouldAllBeDeadAsync(job);
    }

    [Fact]
    public async Task Cancelling_a_running_job_kills_even_an_agent_that_ignores_SIGTERM_within_5_seconds()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: ignore-term");
        await client.StartJobAsync(jobId);
        await client.WaitForJobAsync(jobId, j => j.Status() == "running");
        await FakeClaude.WaitForInvocationAsync(Path.Combine(api.JobsPath, jobId));

        var cancel = await client.PostAsync($"/jobs/{jobId}/cancel", null);
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK);
        var job = await client.WaitForJobAsync(jobId, timeout: TimeSpan.FromSeconds(5));

        job.Status().ShouldBe("cancelled");
        await ShouldAllBeDeadAsync(job);
        Directory.Exists(job.GetProperty("cowPath").GetString()).ShouldBeTrue();
        await (await client.PostAsync($"/jobs/{jobId}/cancel", null)).ShouldBeProblem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_grandchild_left_behind_by_a_finished_agent_is_killed_too()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: grandchild-exit");

        job.Status().ShouldBe("completed");
        await ShouldAllBeDeadAsync(job);
    }

    [Fact]
    public async Task A_created_job_is_cancelled_at_once_and_can_no_longer_start()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "hello");

        var cancel = await client.PostAsync($"/jobs/{jobId}/cancel", null);

        JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement.Status().ShouldBe("cancelled");
        (await client.GetJobAsync(jobId)).Status().ShouldBe("cancelled");
        await (await client.PostAsync($"/jobs/{jobId}/start", null)).ShouldBeProblem(HttpStatusCode.Conflict);
        File.Exists(Path.Combine(api.JobsPath, jobId, "fake-claude.json")).ShouldBeFalse();
    }

    [Fact]
    public async Task Starting_twice_is_a_409()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: instant");
        await client.StartJobAsync(jobId);

        var again = await client.PostAsync($"/jobs/{jobId}/start", null);

        var problem = await again.ShouldBeProblem(HttpStatusCode.Conflict);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:job-not-startable");
        await client.WaitForJobAsync(jobId);
    }

    [Fact]
    public async Task Deleting_a_running_job_terminates_it_removes_its_folder_and_then_it_is_gone()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: grandchild");
        await client.StartJobAsync(jobId);
        await client.WaitForJobAsync(jobId, j => j.Status() == "running");
        var invocation = await FakeClaude.WaitForInvocationAsync(Path.Combine(api.JobsPath, jobId), withGrandchild: true);

        var response = await client.DeleteAsync($"/jobs/{jobId}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("success").GetBoolean().ShouldBeTrue();
        body.GetProperty("terminated").GetBoolean().ShouldBeTrue();
        body.GetProperty("cowRemoved").GetBoolean().ShouldBeTrue();
        Directory.Exists(Path.Combine(api.JobsPath, jobId)).ShouldBeFalse();
        FakeClaude.IsDead(invocation.GetProperty("pid").GetInt32()).ShouldBeTrue();
        FakeClaude.IsDead(invocation.GetProperty("grandchild").GetInt32()).ShouldBeTrue();
        await (await client.GetAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/jobs/{jobId}/events")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_a_finished_job_removes_its_workspace()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var job = await client.RunJobAsync(repository, "scenario: instant");

        var body = JsonDocument.Parse(await (await client.DeleteAsync($"/jobs/{job.GetProperty("jobId").GetString()}")).Content.ReadAsStringAsync()).RootElement;

        body.GetProperty("terminated").GetBoolean().ShouldBeFalse();
        body.GetProperty("cowRemoved").GetBoolean().ShouldBeTrue();
    }

    private async Task ShouldAllBeDeadAsync(JsonElement job)
    {
        var invocation = FakeClaude.Invocation(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!));
        var pids = new List<int> { invocation.GetProperty("pid").GetInt32() };
        if (invocation.TryGetProperty("grandchild", out var grandchild))
        {
            pids.Add(grandchild.GetInt32());
        }

        // Killing is synchronous; give the kernel a moment to tear the processes down.
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (pids.Any(pid => !FakeClaude.IsDead(pid)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        pids.Where(pid => !FakeClaude.IsDead(pid)).ShouldBeEmpty();
    }
}
