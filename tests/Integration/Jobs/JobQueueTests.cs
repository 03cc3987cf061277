using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>The shared host runs at most 3 pipelines at once (Jobs:MaxConcurrent = 3 in <see cref="ApiFactory"/>).</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class JobQueueTests(ApiFactory api)
{
    [Fact]
    public async Task Ten_jobs_run_at_most_MaxConcurrent_at_a_time_and_wait_in_FIFO_order()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        foreach (var stale in Directory.GetFiles(api.FakeStatePath))
        {
            File.Delete(stale);
        }

        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await client.CreateJobAsync(repository, "scenario: concurrency", gitAware: false));
        }

        foreach (var id in ids)
        {
            await client.StartJobAsync(id);
        }

        var snapshot = await Task.WhenAll(ids.Select(id => client.GetJobAsync(id)));
        var waiting = snapshot.Where(j => j.GetProperty("queuePosition").GetInt32() > 0).ToList();
        waiting.Count.ShouldBeGreaterThanOrEqualTo(4);
        waiting.Select(j => j.GetProperty("queuePosition").GetInt32()).ShouldBe(Enumerable.Range(1, waiting.Count));
        waiting.Select(j => ids.IndexOf(j.GetProperty("jobId").GetString()!)).ShouldBeInOrder();

        var finished = await Task.WhenAll(ids.Select(id => client.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(90))));

        finished.ShouldAllBe(j => j.Status() == "completed");
        var seen = Directory.GetFiles(api.FakeStatePath, "seen-*").Select(f => int.Parse(File.ReadAllText(f))).ToList();
        seen.Count.ShouldBe(10);
        seen.Max().ShouldBe(3);
        // FIFO: a job never starts after one queued MaxConcurrent or more places behind it (slots freed together may swap neighbours).
        var starts = finished.Select(j => j.GetProperty("startedAt").GetDateTimeOffset()).ToList();
        for (var i = 0; i < starts.Count; i++)
        {
            for (var j = i + 3; j < starts.Count; j++)
            {
                starts[i].ShouldBeLessThanOrEqualTo(starts[j], $"job {i} started after job {j}");
            }
        }
    }

    [Fact]
    public async Task Fifty_jobs_started_at_once_all_finish()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.CreateJobAsync(repository, "scenario: instant", gitAware: false)));

        await Task.WhenAll(ids.Select(id => client.StartJobAsync(id)));
        var finished = await Task.WhenAll(ids.Select(id => client.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(120))));

        finished.ShouldAllBe(j => j.Status() == "completed");
    }
}
