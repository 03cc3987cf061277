using System.Net;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Workspaces;

public sealed class RetentionAndSpaceTests
{
    [Fact]
    public async Task Retention_removes_old_workspaces_the_job_stays_readable_and_file_routes_say_410()
    {
        var api = new ApiFactory();
        await api.InitializeAsync();
        try
        {
            var (client, repository, _) = await api.UserWithRepositoryAsync();
            var finished = await client.RunJobAsync(repository, "scenario: instant");
            var jobId = finished.GetProperty("jobId").GetString()!;
            var waiting = await client.CreateJobAsync(repository, "not started");

            int removed;
            using (var scope = api.Services.CreateScope())
            {
                // Retention runs with "now - Jobs:RetentionDays"; a cut-off in the future stands for a job that old.
                removed = await scope.ServiceProvider.GetRequiredService<RemoveExpiredWorkspaces.Handler>()
                    .HandleAsync(new RemoveExpiredWorkspaces(DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None);
            }

            removed.ShouldBe(1);
            Directory.Exists(finished.GetProperty("cowPath").GetString()).ShouldBeFalse();
            File.Exists(Path.Combine(api.JobsPath, jobId, "agent.jsonl")).ShouldBeTrue();
            (await client.GetJobAsync(jobId)).Status().ShouldBe("completed");
            (await client.EventsAsync(jobId)).Last().GetProperty("type").GetString().ShouldBe("WorkspaceRemoved");
            (await (await client.GetAsync($"/jobs/{jobId}/files")).ShouldBeProblem(HttpStatusCode.Gone))
                .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:workspace-removed");
            await (await client.GetAsync($"/jobs/{jobId}/files/download?path=README.md")).ShouldBeProblem(HttpStatusCode.Gone);
            (await client.GetJobAsync(waiting)).Status().ShouldBe("created");
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    [Fact]
    public async Task The_recurring_retention_schedule_sweeps_on_its_own()
    {
        var api = new ApiFactory().With("Jobs:RetentionDays", "0").With("Jobs:RetentionSchedule", "*/1 * * * * *");
        await api.InitializeAsync();
        try
        {
            var (client, repository, _) = await api.UserWithRepositoryAsync();
            var finished = await client.RunJobAsync(repository, "scenario: instant");
            var jobId = finished.GetProperty("jobId").GetString()!;

            async Task<int> RemovedEventsAsync() =>
                (await client.EventsAsync(jobId)).Count(e => e.GetProperty("type").GetString() == "WorkspaceRemoved");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await RemovedEventsAsync() == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            Directory.Exists(finished.GetProperty("cowPath").GetString()).ShouldBeFalse("the schedule never removed the workspace");
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // more sweeps run meanwhile: none may remove it again
            (await RemovedEventsAsync()).ShouldBe(1);
            (await client.GetJobAsync(jobId)).Status().ShouldBe("completed");
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_job_is_refused_before_copying_when_free_space_is_below_MinFreeBytes()
    {
        var api = new ApiFactory().With("Workspace:MinFreeBytes", (1L << 50).ToString());
        await api.InitializeAsync();
        try
        {
            var (client, repository, _) = await api.UserWithRepositoryAsync();

            var job = await client.RunJobAsync(repository, "scenario: instant", gitAware: false);

            job.Status().ShouldBe("failed");
            job.GetProperty("error").GetString()!.ShouldContain("Workspace:MinFreeBytes");
            Directory.Exists(job.GetProperty("cowPath").GetString()).ShouldBeFalse();
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }
}
