using System.Net;
using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// Fair scheduling (DESIGN.md §7): a free slot goes to the user with the fewest running jobs (the one served least
/// recently when that ties), FIFO within a user, and <c>queuePosition</c> is the job's place in that order; the
/// per-user caps answer 429 naming their key. Each test has a server of its own, so its slots hold only its jobs.
/// </summary>
public sealed class FairSchedulingTests : IAsyncLifetime
{
    private readonly List<ApiFactory> servers = [];
    private readonly List<(HttpClient Client, string JobId)> sleepers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // The sleeping agents are ended first, so that each server stops at once.
        foreach (var (client, jobId) in sleepers)
        {
            using var _ = await client.PostAsync($"/jobs/{jobId}/cancel", null);
        }

        foreach (var server in servers)
        {
            await ((IAsyncLifetime)server).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_second_users_first_job_goes_ahead_of_a_long_queue_and_runs_next_then_users_take_turns_FIFO_within_each()
    {
        var api = await ServerAsync(("Jobs:MaxConcurrent", "1"));
        var (alice, repository, _) = await api.UserWithRepositoryAsync();
        var bob = await api.LoginAsync(api.Accounts.Add());
        var busy = await SleeperAsync(alice, repository);
        await alice.StartJobAsync(busy);
        await alice.WaitForJobAsync(busy, j => j.Status() == "running");

        var queued = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var id = await SleeperAsync(alice, repository);
            (await alice.StartJobAsync(id)).GetProperty("queuePosition").GetInt32().ShouldBe(i + 1);
            queued.Add(id);
        }

        var first = await SleeperAsync(bob, repository);
        var second = await SleeperAsync(bob, repository);
        (await bob.StartJobAsync(first)).GetProperty("queuePosition").GetInt32().ShouldBe(1);
        // Bob's second job ties with Alice's first waiting one (each user would then have one running): Alice has one
        // running now and Bob none, so Bob is served first and Alice's job goes before his second.
        (await bob.StartJobAsync(second)).GetProperty("queuePosition").GetInt32().ShouldBe(3);
        (await bob.GetJobAsync(first)).GetProperty("queuePosition").GetInt32().ShouldBe(1);
        (await PositionsAsync(alice, queued)).ShouldBe([2, 4, 5, 6, 7, 8, 9, 10]);

        // The slot frees: Bob's first job, not Alice's next, takes it.
        await CancelAsync(alice, busy);
        await bob.WaitForJobAsync(first, j => j.Status() == "running");
        (await alice.GetJobAsync(queued[0])).Status().ShouldBe("queued");
        (await PositionsAsync(alice, queued)).ShouldBe([1, 3, 4, 5, 6, 7, 8, 9]);
        (await bob.GetJobAsync(second)).GetProperty("queuePosition").GetInt32().ShouldBe(2);

        // Then turns alternate, each user's jobs in the order they were queued.
        await CancelAsync(bob, first);
        await alice.WaitForJobAsync(queued[0], j => j.Status() == "running");
        (await alice.GetJobAsync(queued[1])).Status().ShouldBe("queued");
        await CancelAsync(alice, queued[0]);
        await bob.WaitForJobAsync(second, j => j.Status() == "running");
        (await PositionsAsync(alice, queued[1..])).ShouldBe([1, 2, 3, 4, 5, 6, 7]);
        await CancelAsync(bob, second);
        await alice.WaitForJobAsync(queued[1], j => j.Status() == "running");
        (await alice.GetJobAsync(queued[2])).GetProperty("queuePosition").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_user_at_MaxRunningPerUser_waits_while_another_users_job_takes_the_free_slot()
    {
        var api = await ServerAsync(("Jobs:MaxConcurrent", "2"), ("Jobs:MaxRunningPerUser", "1"));
        var (alice, repository, _) = await api.UserWithRepositoryAsync();
        var bob = await api.LoginAsync(api.Accounts.Add());
        var running = await SleeperAsync(alice, repository);
        var capped = await SleeperAsync(alice, repository);
        await alice.StartJobAsync(running);
        await alice.WaitForJobAsync(running, j => j.Status() == "running");
        await alice.StartJobAsync(capped);

        // A slot is free, yet Alice's second job waits; Bob's job, started after it, runs in that slot.
        var bobs = await SleeperAsync(bob, repository);
        await bob.StartJobAsync(bobs);
        await bob.WaitForJobAsync(bobs, j => j.Status() == "running");
        var waiting = await alice.GetJobAsync(capped);
        waiting.Status().ShouldBe("queued");
        waiting.GetProperty("queuePosition").GetInt32().ShouldBe(1);

        // When Alice's first job ends, her second one starts.
        await CancelAsync(alice, running);
        await alice.WaitForJobAsync(capped, j => j.Status() == "running");
    }

    [Fact]
    public async Task Starting_more_than_MaxQueuedPerUser_jobs_is_a_429_naming_the_cap_and_other_users_still_start()
    {
        var api = await ServerAsync(("Jobs:MaxConcurrent", "1"), ("Jobs:MaxQueuedPerUser", "2"));
        var (alice, repository, _) = await api.UserWithRepositoryAsync();
        var bob = await api.LoginAsync(api.Accounts.Add());
        var busy = await SleeperAsync(alice, repository);
        await alice.StartJobAsync(busy);
        await alice.WaitForJobAsync(busy, j => j.Status() == "running");
        var waiting = new[]
        {
            await SleeperAsync(alice, repository),
            await SleeperAsync(alice, repository),
        };
        foreach (var id in waiting)
        {
            await alice.StartJobAsync(id);
        }

        var third = await SleeperAsync(alice, repository);
        var refused = await (await alice.PostAsync($"/jobs/{third}/start", null)).ShouldBeProblem(HttpStatusCode.TooManyRequests);

        refused.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:too-many-queued-jobs");
        refused.GetProperty("detail").GetString()!.ShouldContain("Jobs:MaxQueuedPerUser");
        refused.GetProperty("detail").GetString()!.ShouldContain("2");
        (await alice.GetJobAsync(third)).Status().ShouldBe("created");
        var bobs = await SleeperAsync(bob, repository);
        await bob.StartJobAsync(bobs);

        // A place in the queue frees up: the start goes through.
        await CancelAsync(alice, waiting[0]);
        (await alice.StartJobAsync(third)).GetProperty("status").GetString().ShouldBe("queued");
    }

    [Fact]
    public async Task Concurrent_starts_cannot_slip_past_MaxQueuedPerUser()
    {
        var api = await ServerAsync(("Jobs:MaxConcurrent", "1"), ("Jobs:MaxQueuedPerUser", "3"));
        var (alice, repository, _) = await api.UserWithRepositoryAsync();
        var busy = await SleeperAsync(alice, repository);
        await alice.StartJobAsync(busy);
        await alice.WaitForJobAsync(busy, j => j.Status() == "running");
        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => SleeperAsync(alice, repository)));

        var answers = await Task.WhenAll(ids.Select(id => alice.PostAsync($"/jobs/{id}/start", null)));

        answers.Count(a => a.StatusCode == HttpStatusCode.Accepted).ShouldBe(3, string.Join(", ", answers.Select(a => (int)a.StatusCode)));
        answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests).ShouldBe(9);
    }

    [Fact]
    public async Task Opening_more_than_MaxStreamsPerUser_streams_is_a_429_naming_the_cap_until_one_closes()
    {
        var api = await ServerAsync(("Jobs:MaxStreamsPerUser", "2"));
        var (alice, repository, _) = await api.UserWithRepositoryAsync();
        var bob = await api.LoginAsync(api.Accounts.Add());
        var job = await SleeperAsync(alice, repository);
        var bobs = await SleeperAsync(bob, repository);
        await alice.StartJobAsync(job);

        using var one = await alice.OpenStreamAsync(job);
        var two = await alice.OpenStreamAsync(job);
        one.StatusCode.ShouldBe(HttpStatusCode.OK);
        two.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var third = await alice.OpenStreamAsync(job);

        third.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        var refused = await third.ShouldBeProblem(HttpStatusCode.TooManyRequests);
        refused.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:too-many-streams");
        refused.GetProperty("detail").GetString()!.ShouldContain("Jobs:MaxStreamsPerUser");
        using (var others = await bob.OpenStreamAsync(bobs))
        {
            others.StatusCode.ShouldBe(HttpStatusCode.OK, "the cap is per user");
        }

        // Closing a stream gives its place back (the server notices the client went away).
        two.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage again;
        while ((again = await alice.OpenStreamAsync(job)).StatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
        {
            again.Dispose();
            await Task.Delay(50);
        }

        using (again)
        {
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_cancelled_or_deleted_waiting_job_leaves_the_queue_at_once()
    {
        var api = await ServerAsync(("Jobs:MaxConcurrent", "1"));
        var (alice, repository, _) = await api.UserWithRepositoryAsync();
        var busy = await SleeperAsync(alice, repository);
        await alice.StartJobAsync(busy);
        await alice.WaitForJobAsync(busy, j => j.Status() == "running");
        var queued = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            queued.Add(await SleeperAsync(alice, repository));
            await alice.StartJobAsync(queued[^1]);
        }

        var scheduler = (FairJobScheduler)api.Services.GetRequiredService<IJobSlots>();
        await WaitUntilAsync(() => queued.All(scheduler.IsWaiting));

        await CancelAsync(alice, queued[0]);
        (await alice.DeleteAsync($"/jobs/{queued[2]}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await PositionsAsync(alice, [queued[1], queued[3]])).ShouldBe([1, 2]);
        // The ticket leaves the line first; the wait that held it then unwinds and stops watching the job.
        var signals = api.Services.GetRequiredService<JobChangeSignals>();
        await WaitUntilAsync(() => !scheduler.IsWaiting(queued[0]) && !scheduler.IsWaiting(queued[2]) && !signals.IsWatched(queued[0]),
            TimeSpan.FromSeconds(2));
        scheduler.IsWaiting(queued[0]).ShouldBeFalse("the cancelled job still waits for a slot");
        scheduler.IsWaiting(queued[2]).ShouldBeFalse("the deleted job still waits for a slot");
        scheduler.IsWaiting(queued[1]).ShouldBeTrue();
        signals.IsWatched(queued[0]).ShouldBeFalse("the cancelled job's wait still watches it");

        // The freed slot goes to the next job that still waits.
        await CancelAsync(alice, busy);
        await alice.WaitForJobAsync(queued[1], j => j.Status() == "running");
        (await alice.GetJobAsync(queued[0])).Status().ShouldBe("cancelled");
    }

    [Fact]
    public async Task After_a_crash_the_redelivered_queue_keeps_the_fair_order()
    {
        var settings = new ApiFactory().With("Jobs:MaxConcurrent", "1");
        servers.Add(settings);
        await settings.InitializeAsync();
        var (aliceUser, bobUser) = (settings.Accounts.Add(), settings.Accounts.Add());
        var name = "fair-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);
        var queued = new List<string>();
        string bobs;
        await using (var first = await ServerProcess.StartAsync(settings.Settings))
        {
            var alice = await first.LoginAsync(aliceUser);
            (await alice.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await alice.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
            var busy = await alice.CreateJobAsync(name, "scenario: sleep", gitAware: false);
            await alice.StartJobAsync(busy);
            await alice.WaitForJobAsync(busy, j => j.Status() == "running");
            for (var i = 0; i < 6; i++)
            {
                queued.Add(await alice.CreateJobAsync(name, "scenario: sleep", gitAware: false));
                await alice.StartJobAsync(queued[^1]);
            }

            var bob = await first.LoginAsync(bobUser);
            bobs = await bob.CreateJobAsync(name, "scenario: sleep", gitAware: false);
            (await bob.StartJobAsync(bobs)).GetProperty("queuePosition").GetInt32().ShouldBe(1);

            await first.KillHardAsync();
        }

        // Alice's jobs come back from the durable queue first (they were queued first); Bob's still goes first, as
        // Alice was served last (her running job, now failed as interrupted).
        await using var second = await ServerProcess.StartAsync(settings.Settings);
        var bobAgain = await second.LoginAsync(bobUser);
        var aliceAgain = await second.LoginAsync(aliceUser);
        await bobAgain.WaitForJobAsync(bobs, j => j.Status() == "running", TimeSpan.FromSeconds(60));
        (await PositionsAsync(aliceAgain, queued)).ShouldBe([1, 2, 3, 4, 5, 6]);
        foreach (var id in queued.Append(bobs))
        {
            using var _ = await (id == bobs ? bobAgain : aliceAgain).PostAsync($"/jobs/{id}/cancel", null);
        }
    }

    private async Task<ApiFactory> ServerAsync(params (string Key, string Value)[] settings)
    {
        var api = new ApiFactory();
        foreach (var (key, value) in settings)
        {
            api.With(key, value);
        }

        servers.Add(api);
        await api.InitializeAsync();
        return api;
    }

    /// <summary>A job whose agent runs until it is cancelled.</summary>
    private async Task<string> SleeperAsync(HttpClient client, string repository)
    {
        var jobId = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        lock (sleepers)
        {
            sleepers.Add((client, jobId));
        }

        return jobId;
    }

    private static async Task<List<int>> PositionsAsync(HttpClient client, IEnumerable<string> ids)
    {
        var positions = new List<int>();
        foreach (var id in ids)
        {
            positions.Add((await client.GetJobAsync(id)).GetProperty("queuePosition").GetInt32());
        }

        return positions;
    }

    private static async Task CancelAsync(HttpClient client, string jobId)
    {
        var response = await client.PostAsync($"/jobs/{jobId}/cancel", null);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await client.WaitForJobAsync(jobId, timeout: TimeSpan.FromSeconds(10));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
