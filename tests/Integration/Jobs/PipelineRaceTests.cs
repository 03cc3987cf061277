using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// A job a pipeline has taken shows <c>queued</c> until git or the agent moves it on (gitAware false). A cancel or a
/// delete in that window must go through the pipeline: it ends the job once, after everything it started stopped.
/// </summary>
[Collection(GatedCopyCollection.Name)]
public sealed class PipelineRaceTests(GatedCopyApiFactory api)
{
    [Fact]
    public async Task Cancelling_during_the_workspace_copy_ends_the_job_with_exactly_one_JobCancelled_and_runs_nothing()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: instant", gitAware: false);
        var workspace = Path.Combine(api.JobsPath, jobId, "workspace");
        await client.StartJobAsync(jobId);
        await api.Reached(workspace).WaitAsync(TimeSpan.FromSeconds(30));

        var cancel = await client.PostAsync($"/jobs/{jobId}/cancel", null);

        var answer = JsonDocument.Parse(await cancel.Content.ReadAsStringAsync()).RootElement;
        cancel.StatusCode.ShouldBe(HttpStatusCode.OK, answer.ToString());
        answer.GetProperty("message").GetString()!.ShouldStartWith("Cancellation requested", Case.Sensitive, answer.ToString());
        (await client.GetJobAsync(jobId)).Status().ShouldBe("queued");
        api.Open(workspace);
        var job = await client.WaitForJobAsync(jobId);

        job.Status().ShouldBe("cancelled", job.ToString());
        var types = (await client.EventsAsync(jobId)).Select(e => e.GetProperty("type").GetString()).ToList();
        types.Count(t => t == "JobCancelled").ShouldBe(1, string.Join(", ", types));
        types.Last().ShouldBe("JobCancelled", string.Join(", ", types));
        types.ShouldNotContain("AgentStarted");
        File.Exists(Path.Combine(api.JobsPath, jobId, "fake-claude.json")).ShouldBeFalse("the agent must never have run");
    }

    [Fact]
    public async Task Deleting_while_the_workspace_is_being_made_waits_for_the_pipeline_and_leaves_nothing_behind()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: instant", gitAware: false);
        var folder = Path.Combine(api.JobsPath, jobId);
        var workspace = Path.Combine(folder, "workspace");
        await client.StartJobAsync(jobId);
        await api.Reached(workspace).WaitAsync(TimeSpan.FromSeconds(30));

        var deleting = client.DeleteAsync($"/jobs/{jobId}");
        await WaitForEventAsync(client, jobId, "JobCancellationRequested");
        api.Open(workspace);
        var response = await deleting;

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("terminated").GetBoolean().ShouldBeTrue();
        body.GetProperty("cowRemoved").GetBoolean().ShouldBeTrue();
        Directory.Exists(folder).ShouldBeFalse("the copy the pipeline finished must not outlive the delete");
        await (await client.GetAsync($"/jobs/{jobId}")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    /// <summary>Waits (polling the audit trail) until the job has an event of <paramref name="type"/>.</summary>
    private static async Task WaitForEventAsync(HttpClient client, string jobId, string type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(await client.EventsAsync(jobId)).Any(e => e.GetProperty("type").GetString() == type))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
