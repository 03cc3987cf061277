using System.Net;
using System.Text.Json;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using ClaudeBatch.Integration.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>GET /jobs over a longer history than the other tests make: the kept totals and the deep pages.</summary>
[Collection(SecondApiCollection.Name)]
public sealed class JobListTests(ApiFactory api)
{
    private const int Jobs = 1_100;

    [Fact]
    public async Task Totals_and_pages_stay_right_as_jobs_are_cancelled_and_deleted_and_after_a_recount()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        // Oldest first: job i is cancelled when i % 10 == 0 (none is queued: the queue is shared with other tests) and
        // deleted when i % 100 == 0. Newest first, as listed:
        var ids = await AppendJobsAsync(user.Username, repository);
        var listed = ids.Where((_, i) => i % 100 != 0).Reverse().ToList();
        var cancelled = ids.Where((_, i) => i % 10 == 0 && i % 100 != 0).Reverse().ToList();
        var created = ids.Where((_, i) => i % 10 != 0).Reverse().ToList();

        await ShouldListAsync(client, "pageSize=50", listed.Take(50), listed.Count);
        await ShouldListAsync(client, "pageSize=50&page=2", listed.Skip(50).Take(50), listed.Count);
        PostgresJobListJson.DeepPageFrom.ShouldBeLessThan(1_050);
        await ShouldListAsync(client, "pageSize=50&page=22", listed.Skip(1_050), listed.Count);
        await ShouldListAsync(client, "pageSize=100&page=6&status=created", created.Skip(500).Take(100), created.Count);
        await ShouldListAsync(client, "pageSize=20&page=5&status=cancelled", cancelled.Skip(80), cancelled.Count);
        await ShouldListAsync(client, "status=completed", [], 0);

        // listed[0] is created[0]; cancelled[0] is listed[9].
        (await client.PostAsync($"/jobs/{created[0]}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.DeleteAsync($"/jobs/{cancelled[0]}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldListAsync(client, "pageSize=3", listed.Take(3), listed.Count - 1);
        await ShouldListAsync(client, "status=created&pageSize=1", [created[1]], created.Count - 1);
        await ShouldListAsync(client, "status=cancelled&pageSize=2", [created[0], cancelled[1]], cancelled.Count);

        // A database whose counts were lost (or predate them) gets them back from the job views at the next start.
        var store = api.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.QueueSqlCommand("DELETE FROM claudebatch.job_counts");
            session.QueueSqlCommand("COMMENT ON TABLE claudebatch.job_counts IS NULL");
            await session.SaveChangesAsync();
        }

        await ShouldListAsync(client, "pageSize=1", [listed[0]], 0);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await ShouldListAsync(client, "pageSize=1", [listed[0]], listed.Count - 1);
        await ShouldListAsync(client, "status=cancelled&pageSize=1", [created[0]], cancelled.Count);
    }

    private async Task<List<string>> AppendJobsAsync(string user, string repository)
    {
        var ids = Enumerable.Range(0, Jobs).Select(_ => Guid.NewGuid().ToString()).ToList();
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        using var scope = api.Services.CreateScope();
        var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
        for (var i = 0; i < Jobs; i++)
        {
            var at = start.AddSeconds(i);
            var events = new List<object>
            {
                Job.Create(ids[i], user, repository, $"job {i}", [], new JobOptions(60, false, false, null, null), Path.Combine(api.JobsPath, ids[i], "workspace"), at),
            };
            if (i % 10 == 0)
            {
                events.Add(new JobCancelled(ids[i], null, at.AddMilliseconds(10)));
            }

            if (i % 100 == 0)
            {
                events.Add(new JobDeleted(ids[i], user, false, false, at.AddMilliseconds(20)));
            }

            store.Append(JobStream.For(ids[i]), [.. events]);
        }

        await store.SaveChangesAsync(CancellationToken.None);
        return ids;
    }

    private static async Task ShouldListAsync(HttpClient client, string query, IEnumerable<string> jobIds, int total)
    {
        var page = JsonDocument.Parse(await client.GetStringAsync($"/jobs?{query}")).RootElement;
        page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("jobId").GetString()).ShouldBe(jobIds, query);
        page.GetProperty("total").GetInt32().ShouldBe(total, query);
    }
}
