using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Reliability;

/// <summary>
/// A real server under 200 clients polling and streaming while 500 jobs run through it, then a login flood against
/// its default rate limits.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(FloodCollection.Name)]
public sealed class FloodTests
{
    private const int Jobs = 500;
    private const int Pollers = 150;
    private const int Streamers = 50;

    /// <summary>Generous for a 2-core machine running 500 jobs and 200 clients; an unbounded leak passes it in seconds.</summary>
    private const long MaxResidentBytes = 600L * 1024 * 1024;

    [Fact]
    public async Task Two_hundred_clients_and_500_jobs_get_no_5xx_lose_no_job_and_a_login_flood_is_turned_away_cheaply()
    {
        var settings = new ApiFactory()
            .With("Jobs:MaxConcurrent", "10")
            // One user submits all 500 jobs and opens the 50 streams: the load, not the per-user caps, is under test.
            .With("Jobs:MaxQueuedPerUser", Jobs.ToString())
            .With("Jobs:MaxStreamsPerUser", Streamers.ToString())
            .With("Auth:LoginRateLimit:FailuresPerUserAndAddress", "10")
            .With("Auth:LoginRateLimit:FailuresPerAddress", "30")
            .With("Serilog:MinimumLevel:Default", "Warning");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var target = settings.Accounts.Add("yescrypt");
        var name = "flood-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);

        await using var server = await ServerProcess.StartAsync(settings.Settings);
        var client = await server.LoginAsync(user);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");

        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Pollers + Streamers + 16 };
        using var shared = new HttpClient(handler) { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
        shared.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;

        var errors = new ConcurrentBag<string>();
        var requests = 0L;
        var jobs = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        async Task Check(HttpResponseMessage response, string what)
        {
            Interlocked.Increment(ref requests);
            if ((int)response.StatusCode >= 500)
            {
                errors.Add($"{what} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        string? AnyJob() => jobs.IsEmpty ? null : jobs.ElementAt(Random.Shared.Next(Math.Min(jobs.Count, 1000)));

        var clients = new List<Task>();
        for (var i = 0; i < Pollers; i++)
        {
            var lists = i % 3 == 0;
            clients.Add(Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var url = lists || AnyJob() is not { } job ? "/jobs?pageSize=20" : $"/jobs/{job}";
                    using var response = await shared.GetAsync(url);
                    await Check(response, $"GET {url}");
                    await Task.Delay(Random.Shared.Next(50, 250));
                }
            }));
        }

        for (var i = 0; i < Streamers; i++)
        {
            clients.Add(Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (AnyJob() is not { } job)
                    {
                        await Task.Delay(100);
                        continue;
                    }

                    using var response = await shared.GetAsync($"/jobs/{job}/stream", HttpCompletionOption.ResponseHeadersRead);
                    await Check(response, $"GET /jobs/{job}/stream");
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode && !body.Contains("event: status"))
                    {
                        errors.Add($"the stream of {job} held no status event: {body[..Math.Min(body.Length, 300)]}");
                    }
                }
            }));
        }

        var peak = 0L;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.ResidentBytes());
                await Task.Delay(250);
            }
        });

        // The jobs, started by eight submitters while the clients hammer the server.
        var submitters = Enumerable.Range(0, 8).Select(s => Task.Run(async () =>
        {
            for (var i = s; i < Jobs; i += 8)
            {
                using var created = await shared.PostAsJsonAsync("/jobs", new
                {
                    prompt = "scenario: instant",
                    repository = name,
                    options = new { gitAware = false, cidxAware = false },
                });
                await Check(created, "POST /jobs");
                created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
                var job = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetString()!;
                using var started = await shared.PostAsync($"/jobs/{job}/start", null);
                await Check(started, "POST /jobs/{id}/start");
                started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
                jobs.Enqueue(job);
            }
        })).ToList();
        await Task.WhenAll(submitters);

        var deadline = DateTime.UtcNow.AddMinutes(4);
        int completed;
        while ((completed = await CountAsync(client, "completed")) < Jobs && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients.Append(sampler));

        errors.ShouldBeEmpty(string.Join("\n", errors.Take(20)));
        completed.ShouldBe(Jobs, $"jobs by status: {string.Join(", ", await StatusesAsync(client))}");
        (await CountAsync(client, null)).ShouldBe(Jobs, "a job was lost or made twice");
        requests.ShouldBeGreaterThan(5_000, "the clients did not load the server");
        peak.ShouldBeLessThan(MaxResidentBytes, $"peak resident memory {peak / 1024 / 1024} MB");

        // The login flood: 400 wrong passwords for a yescrypt account (~80 ms of CPU each when checked), 16 at a time.
        var cpuBefore = server.CpuTime();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            using var login = await shared.PostAsJsonAsync("/auth/login", new { username = target.Username, password = "wrong" }, ct);
            statuses.Add(login.StatusCode);
        });
        var cpu = server.CpuTime() - cpuBefore;

        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBeGreaterThanOrEqualTo(400 - 10, string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key}: {g.Count()}")));
        statuses.ShouldAllBe(s => s == HttpStatusCode.TooManyRequests || s == HttpStatusCode.Unauthorized);
        // At most 10 of them reach a password check; 400 would be over 30 s of CPU.
        cpu.ShouldBeLessThan(TimeSpan.FromSeconds(8), "the login flood reached the password checks");
    }

    private static async Task<int> CountAsync(HttpClient client, string? status) =>
        JsonDocument.Parse(await client.GetStringAsync(status is null ? "/jobs?pageSize=1" : $"/jobs?status={status}&pageSize=1"))
            .RootElement.GetProperty("total").GetInt32();

    private static async Task<IEnumerable<string>> StatusesAsync(HttpClient client)
    {
        var statuses = new List<string>();
        foreach (var status in new[] { "created", "queued", "running", "completed", "failed", "cancelled", "timeout" })
        {
            statuses.Add($"{status} {await CountAsync(client, status)}");
        }

        return statuses;
    }
}

/// <summary>The flood runs alone: it loads both cores, and other tests' timings would suffer from it (and it from them).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodCollection
{
    public const string Name = "flood";
}
