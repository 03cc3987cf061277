using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// <c>Jobs:MaxConcurrent</c> and <c>Jobs:MaxRunningPerUser</c> hold across several real server processes ("nodes") on
/// one database, each with its own name and job folders; a killed node's slots go to the others' waiting jobs. What
/// ran when is read from the agents' own records (the fake's "nap" scenario appends its start and end to naps.log).
/// </summary>
[Collection(NodesCollection.Name)]
public sealed class GlobalSlotsAcrossServersTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ApiFactory settings = new ApiFactory().With("Jobs:MaxConcurrent", "3");
    private readonly List<RunningServer> nodes = [];

    private string NapsLog => Path.Combine(settings.FakeStatePath, "naps.log");

    public Task InitializeAsync() => settings.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        // Agents of a killed node may outlive it: none is left behind.
        foreach (var pid in Naps().Select(n => n.Pid).Distinct().Where(pid => !FakeClaude.IsDead(pid)))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Ended meanwhile.
            }
        }

        await ((IAsyncLifetime)settings).DisposeAsync();
    }

    [Fact]
    public async Task Twelve_jobs_started_on_three_nodes_never_run_more_than_MaxConcurrent_agents_at_once_and_all_complete()
    {
        var user = settings.Accounts.Add();
        var (a, b, c) = (await NodeAsync("a"), await NodeAsync("b"), await NodeAsync("c"));
        var clients = new[] { await a.LoginAsync(user), await b.LoginAsync(user), await c.LoginAsync(user) };
        var repository = await RepositoryAsync(clients[0]);

        var jobs = new List<(HttpClient Client, string Id)>();
        for (var i = 0; i < 12; i++)
        {
            var client = clients[i % 3];
            jobs.Add((client, await client.CreateJobAsync(repository, $"scenario: nap\n2\njob{i}", gitAware: false)));
        }

        await Task.WhenAll(jobs.Select(j => j.Client.StartJobAsync(j.Id)));

        foreach (var (client, id) in jobs)
        {
            (await client.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(120))).Status().ShouldBe("completed", Outputs());
        }

        var naps = Naps();
        naps.Count(n => n.What == "start").ShouldBe(12, "each job's agent ran once");
        var (most, at) = MostAlive(naps);
        output.WriteLine($"at most {most} agents alive at once (at {at:F3})");
        // How soon a slot let go on one node reached the next agent, on any node (for bench/README.md).
        var handovers = naps.Where(n => n.What == "start").OrderBy(n => n.At).Skip(3)
            .Select(start => start.At - naps.Where(n => n.What == "end" && n.At < start.At).Max(n => n.At)).Order().ToList();
        output.WriteLine($"slot handover (end of an agent to the next start): median {handovers[handovers.Count / 2] * 1000:F0} ms, max {handovers[^1] * 1000:F0} ms");
        most.ShouldBe(3, $"Jobs:MaxConcurrent is 3 for all nodes together; records:\n{string.Join('\n', naps)}");
    }

    [Fact]
    public async Task A_user_at_MaxRunningPerUser_on_one_node_waits_on_the_others_while_other_users_take_the_free_slots()
    {
        settings.With("Jobs:MaxRunningPerUser", "1");
        var (aliceUser, bobUser) = (settings.Accounts.Add(), settings.Accounts.Add());
        var (a, b) = (await NodeAsync("a"), await NodeAsync("b"));
        var (aliceOnA, aliceOnB, bobOnB) = (await a.LoginAsync(aliceUser), await b.LoginAsync(aliceUser), await b.LoginAsync(bobUser));
        var repository = await RepositoryAsync(aliceOnA);

        var first = await aliceOnA.CreateJobAsync(repository, "scenario: nap\n15\nalice0", gitAware: false);
        await aliceOnA.StartJobAsync(first);
        await aliceOnA.WaitForJobAsync(first, j => j.Status() == "running");
        var alices = new List<(HttpClient Client, string Id)>();
        for (var i = 1; i <= 3; i++)
        {
            var client = i % 2 == 0 ? aliceOnA : aliceOnB;
            alices.Add((client, await client.CreateJobAsync(repository, $"scenario: nap\n1\nalice{i}", gitAware: false)));
            await client.StartJobAsync(alices[^1].Id);
        }

        // Two slots are free, yet Alice's jobs on B wait for her job on A; Bob's, started after them on B, runs.
        var bobs = await bobOnB.CreateJobAsync(repository, "scenario: nap\n1\nbob", gitAware: false);
        await bobOnB.StartJobAsync(bobs);
        await bobOnB.WaitForJobAsync(bobs, j => j.Status() is "running" or "completed");
        (await aliceOnB.GetJobAsync(alices[0].Id)).Status().ShouldBe("queued", Outputs());

        foreach (var (client, id) in alices.Append((aliceOnA, first)))
        {
            (await client.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(60))).Status().ShouldBe("completed", Outputs());
        }

        var naps = Naps();
        var (most, _) = MostAlive(naps.Where(n => n.Label.StartsWith("alice", StringComparison.Ordinal)).ToList());
        most.ShouldBe(1, $"Jobs:MaxRunningPerUser is 1 for all nodes together; records:\n{string.Join('\n', naps)}");
        naps.Single(n => n is { What: "start", Label: "bob" }).At
            .ShouldBeLessThan(naps.Single(n => n is { What: "end", Label: "alice0" }).At, "Bob did not wait for Alice's slot");
    }

    [Fact]
    public async Task When_a_node_holding_slots_is_killed_the_other_nodes_waiting_jobs_take_them()
    {
        var user = settings.Accounts.Add();
        var (a, b) = (await NodeAsync("a"), await NodeAsync("b"));
        var (onA, onB) = (await a.LoginAsync(user), await b.LoginAsync(user));
        var repository = await RepositoryAsync(onA);

        // A holds every slot with agents that would run for minutes.
        var holders = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            holders.Add(await onA.CreateJobAsync(repository, $"scenario: nap\n300\nholder{i}", gitAware: false));
            await onA.StartJobAsync(holders[^1]);
        }

        foreach (var id in holders)
        {
            await onA.WaitForJobAsync(id, j => j.Status() == "running");
        }

        var waiting = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            waiting.Add(await onB.CreateJobAsync(repository, $"scenario: nap\n1\nwaiter{i}", gitAware: false));
            await onB.StartJobAsync(waiting[^1]);
        }

        // B's jobs wait for a global slot (B keeps a slot connection open while they do) and do not run.
        await WaitUntilAsync(async () => await SlotConnectionsAsync(b.ProcessId) > 0, "B waits for a slot");
        foreach (var id in waiting)
        {
            (await onB.GetJobAsync(id)).Status().ShouldBe("queued", Outputs());
        }

        var killed = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        await a.KillHardAsync();

        await WaitUntilAsync(() => Task.FromResult(Naps().Any(n => n.What == "start" && n.Label.StartsWith("waiter", StringComparison.Ordinal))), "a waiting job starts");
        var failover = Naps().Where(n => n.What == "start" && n.Label.StartsWith("waiter", StringComparison.Ordinal)).Min(n => n.At) - killed;
        output.WriteLine($"slot failover: {failover * 1000:F0} ms from kill -9 to the next agent's start");
        Console.WriteLine($"slot failover: {failover * 1000:F0} ms from kill -9 to the next agent's start");
        foreach (var id in waiting)
        {
            (await onB.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(60))).Status().ShouldBe("completed", Outputs());
        }

        failover.ShouldBeLessThan(10, "the slots are the database's to give back, at once");
    }

    [Fact]
    public async Task A_node_waiting_for_a_slot_while_the_database_is_away_keeps_waiting_and_its_job_runs_once_it_is_back()
    {
        await using var postgres = await DedicatedPostgres.StartAsync();
        settings.With("ConnectionStrings:Postgres", postgres.ConnectionString);
        var user = settings.Accounts.Add();
        var (a, b) = (await NodeAsync("a"), await NodeAsync("b"));
        var (onA, onB) = (await a.LoginAsync(user), await b.LoginAsync(user));
        var repository = await RepositoryAsync(onA);
        var holders = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            holders.Add(await onA.CreateJobAsync(repository, $"scenario: nap\n20\nholder{i}", gitAware: false));
            await onA.StartJobAsync(holders[^1]);
        }

        foreach (var id in holders)
        {
            await onA.WaitForJobAsync(id, j => j.Status() == "running");
        }

        var waiter = await onB.CreateJobAsync(repository, "scenario: nap\n1\nwaiter", gitAware: false);
        await onB.StartJobAsync(waiter);
        await WaitUntilAsync(async () => await SlotConnectionsAsync(b.ProcessId, postgres.ConnectionString) > 0, "B waits for a slot");

        await postgres.StopServerAsync();
        await WaitUntilAsync(() => Task.FromResult(b.Output.Contains("Run slots cannot be taken", StringComparison.Ordinal)), "B notices");
        Naps().ShouldNotContain(n => n.Label == "waiter", "a job ran without a slot while the database was away");
        await postgres.StartServerAsync();
        var back = DateTimeOffset.UtcNow;

        // Nothing stopped the agents, and B, which went on asking, gives its job the first slot it can take (the
        // holders' locks went with their connections, so the waiter may start before they end: see ClusterJobSlots).
        // Known, and not the slots': a pipeline starting right after the restart may get a pooled connection the
        // restart broke (57P01) and fail, so "failed" is accepted here.
        await WaitUntilAsync(() => Task.FromResult(b.Output.Contains("Run slots can be taken again", StringComparison.Ordinal)), "B takes slots again");
        JsonElement waited;
        try
        {
            waited = await onB.WaitForJobAsync(waiter, timeout: TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Outputs()}", e);
        }

        waited.Status().ShouldBeOneOf(["completed", "failed"], waited.ToString());
        waited.GetProperty("startedAt").GetDateTimeOffset().ShouldBeGreaterThan(back.AddSeconds(-1), waited.ToString());
        foreach (var id in holders)
        {
            (await onA.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(60))).Status().ShouldBe("completed", Outputs());
        }

        Naps().Count(n => n is { What: "end" } && n.Label.StartsWith("holder", StringComparison.Ordinal)).ShouldBe(3);
    }

    [Fact]
    public async Task A_node_keeps_its_slot_session_for_the_next_job_instead_of_opening_one_per_job()
    {
        var user = settings.Accounts.Add();
        var a = await NodeAsync("a");
        var onA = await a.LoginAsync(user);
        var repository = await RepositoryAsync(onA);

        var sessions = new List<int[]>();
        for (var i = 0; i < 2; i++)
        {
            var id = await onA.CreateJobAsync(repository, $"scenario: nap\n2\nreuse{i}", gitAware: false);
            await onA.StartJobAsync(id);
            await onA.WaitForJobAsync(id, j => j.Status() == "running");
            sessions.Add(await SlotSessionsAsync(a.ProcessId));
            (await onA.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(60))).Status().ShouldBe("completed", Outputs());
        }

        sessions[0].ShouldNotBeEmpty("the first job held its slot on a session of its own");
        sessions[1].ShouldBe(sessions[0], "the second job took its slot on the session the first one let go");
    }

    [Fact]
    public async Task A_single_node_server_runs_its_jobs_on_its_own_slots_without_a_slot_session()
    {
        settings.With("Jobs:MaxConcurrent", "1");
        var user = settings.Accounts.Add();
        var a = await NodeAsync("a", singleNode: true);
        var onA = await a.LoginAsync(user);
        var repository = await RepositoryAsync(onA);

        var (first, second) = (
            await onA.CreateJobAsync(repository, "scenario: nap\n2\nalone0", gitAware: false),
            await onA.CreateJobAsync(repository, "scenario: nap\n1\nalone1", gitAware: false));
        await onA.StartJobAsync(first);
        await onA.WaitForJobAsync(first, j => j.Status() == "running");
        await onA.StartJobAsync(second);
        (await SlotSessionsAsync(a.ProcessId)).ShouldBeEmpty("the one server on its database needs no shared slot");
        (await onA.GetJobAsync(second)).Status().ShouldBe("queued", "Jobs:MaxConcurrent 1 still holds");

        foreach (var id in new[] { first, second })
        {
            (await onA.WaitForJobAsync(id, timeout: TimeSpan.FromSeconds(60))).Status().ShouldBe("completed", Outputs());
        }

        var naps = Naps();
        MostAlive(naps).Most.ShouldBe(1, string.Join('\n', naps));
    }

    /// <summary>The backends of the server's slot connections (by <c>ClusterJobSlots.ApplicationName</c>, spelt out so that this test also builds against a server without it).</summary>
    private async Task<int[]> SlotSessionsAsync(int processId, string? connectionString = null)
    {
        await using var connection = new NpgsqlConnection(connectionString ?? settings.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid", connection)
        {
            Parameters = { new() { Value = $"claude-batch job slot {processId}" } },
        };
        var pids = new List<int>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            pids.Add(reader.GetInt32(0));
        }

        return [.. pids];
    }

    private async Task<RunningServer> NodeAsync(string name, bool singleNode = false)
    {
        var node = new Dictionary<string, string?>(settings.Settings)
        {
            ["Jobs:NodeName"] = $"node-{name}",
            ["Workspace:JobsPath"] = Path.Combine(settings.RootPath, $"jobs-{name}"),
            ["Logging:FilePath"] = Path.Combine(settings.RootPath, "logs", $"server-{name}.log"),
        };
        var server = await ServerProcess.StartAsync(node, singleNode: singleNode);
        nodes.Add(server);
        return server;
    }

    private async Task<string> RepositoryAsync(HttpClient client)
    {
        var name = "slots-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return name;
    }

    private sealed record Nap(string What, double At, int Pid, string Label);

    private List<Nap> Naps()
    {
        if (!File.Exists(NapsLog))
        {
            return [];
        }

        return File.ReadAllLines(NapsLog)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 4)
            .Select(parts => new Nap(parts[0], double.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture), parts[3]))
            .ToList();
    }

    /// <summary>The most agents alive at one time, and when: an agent counts from its start record to its end record.</summary>
    private static (int Most, double At) MostAlive(IReadOnlyList<Nap> naps)
    {
        var (alive, most, at) = (0, 0, 0.0);
        foreach (var nap in naps.OrderBy(n => n.At).ThenBy(n => n.What == "start" ? 1 : 0))
        {
            alive += nap.What == "start" ? 1 : -1;
            if (alive > most)
            {
                (most, at) = (alive, nap.At);
            }
        }

        return (most, at);
    }

    private async Task<long> SlotConnectionsAsync(int processId, string? connectionString = null) =>
        (await SlotSessionsAsync(processId, connectionString)).Length;

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not reached: {what}\n{Outputs()}");
            }

            await Task.Delay(20);
        }
    }

    private string Outputs() => string.Join("\n----\n", nodes.Select(n => n.Output[^Math.Min(n.Output.Length, 4000)..]));
}
