using System.Net;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>
/// A job queued before its account was locked does not run once its turn comes, even with Impersonation:Mode none
/// (the shared test setting), where no OS account is switched to.
/// </summary>
public sealed class LockedAccountJobTests : IAsyncLifetime
{
    private readonly ApiFactory api = new ApiFactory().With("Jobs:MaxConcurrent", "1");

    public Task InitializeAsync() => api.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task A_queued_job_of_an_account_locked_meanwhile_fails_with_that_reason_and_runs_nothing()
    {
        var (user, jobId, releaseTheSlot) = await AJobQueuedBehindAnotherAsync();

        api.Accounts.Lock(user);
        await releaseTheSlot();

        await ShouldFailBeforeAnythingRunsAsync(jobId, user, $"The account '{user.Username}' is locked.");
    }

    [Fact]
    public async Task A_queued_job_of_an_account_removed_and_made_again_under_its_name_does_not_run_for_the_new_account()
    {
        var (user, jobId, releaseTheSlot) = await AJobQueuedBehindAnotherAsync();

        // Another person's account now has the name: the job asked for by the first must not run as (or for) them.
        api.Accounts.ReplaceWithAnotherPerson(user);
        await releaseTheSlot();

        await ShouldFailBeforeAnythingRunsAsync(jobId, user, $"The account '{user.Username}' no longer exists.");
    }

    /// <summary>A user's job waiting in the queue, because another user's job holds the only slot until it is released.</summary>
    private async Task<(TestUser User, string JobId, Func<Task> ReleaseTheSlot)> AJobQueuedBehindAnotherAsync()
    {
        var (otherClient, otherRepository, _) = await api.UserWithRepositoryAsync();
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var blocker = await otherClient.CreateJobAsync(otherRepository, "scenario: sleep", gitAware: false);
        await otherClient.StartJobAsync(blocker);
        await otherClient.WaitForJobAsync(blocker, job => job.Status() == "running");
        var jobId = await client.CreateJobAsync(repository, "scenario: instant", gitAware: false);
        (await client.StartJobAsync(jobId)).GetProperty("status").GetString().ShouldBe("queued");
        return (user, jobId, async () => (await otherClient.PostAsync($"/jobs/{blocker}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK));
    }

    /// <summary>
    /// The owner's token no longer works, so the job is read the way its owner would, through the use case itself: failed
    /// with <paramref name="reason"/>, with nothing copied and no agent started.
    /// </summary>
    private async Task ShouldFailBeforeAnythingRunsAsync(string jobId, TestUser user, string reason)
    {
        var job = await WaitUntilFinishedAsync(jobId, user.Username);
        job.Status.ShouldBe(JobStatus.Failed);
        job.Error.ShouldBe(reason);
        var events = await SendAsync(new GetJobEvents(jobId, user.Username));
        events.Value!.Select(e => e.Type).ShouldNotContain(nameof(WorkspacePrepared));
        events.Value!.Select(e => e.Type).ShouldNotContain(nameof(AgentStarted));
    }

    private async Task<JobDetails> WaitUntilFinishedAsync(string jobId, string user)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = (await SendAsync(new GetJob(jobId, user))).Value!;
            if (job.Status.IsFinished())
            {
                return job;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"job {jobId} is still {job.Status}");
            await Task.Delay(100);
        }
    }

    private async Task<T> SendAsync<T>(IQuery<T> query)
    {
        await using var scope = api.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }
}
