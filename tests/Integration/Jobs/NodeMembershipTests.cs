using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// A server is a node of the shared database while it holds its name: a second process under the same name waits for
/// the first to let go (it would otherwise take the first's running jobs for its own interrupted ones), and the node
/// list tells a live node from a dead one at once.
/// </summary>
public sealed class NodeMembershipTests
{
    [Fact]
    public async Task A_server_whose_node_name_is_held_waits_and_starts_once_the_holder_lets_go()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        var node = settings.Settings["Jobs:NodeName"]!;

        // Another process holds the name, as a server would (the lock the server takes: see NodeMembership).
        await using var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false }.ConnectionString);
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand("select pg_advisory_lock(1128418884, hashtext($1))", holder))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = node });
            await take.ExecuteNonQueryAsync();
        }

        await using var server = await ServerProcess.StartAsync(settings.Settings, waitForStart: false);
        server.Node.ShouldBe(node);
        using var probe = server.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            (await ServerProcess.HasStartedAsync(probe)).ShouldBeFalse("the name is held: the server must wait for it");
            await Task.Delay(200);
        }

        await holder.CloseAsync();
        var started = DateTime.UtcNow.AddSeconds(20);
        while (!await ServerProcess.HasStartedAsync(probe))
        {
            DateTime.UtcNow.ShouldBeLessThan(started, server.Output);
            await Task.Delay(100);
        }

        server.Output.ShouldContain($"\"@mt\":\"Running as node {{Node}}\",\"Node\":\"{node}\"");
    }

    [Fact]
    public async Task The_node_list_shows_each_node_with_its_address_and_a_killed_one_as_dead_at_once()
    {
        await using var api = new ApiFactory().With("Jobs:NodeUrl", "http://127.0.0.1:1");
        await api.InitializeAsync();
        api.CreateClient().Dispose();
        await using var other = await ServerProcess.StartAsync(new Dictionary<string, string?>(api.Settings) { ["Jobs:NodeName"] = "other-node", ["Jobs:NodeUrl"] = "http://127.0.0.1:2" });
        var nodes = api.Services.GetRequiredService<INodeDirectory>();

        var self = await nodes.FindAsync(nodes.Self, CancellationToken.None);
        self.ShouldNotBeNull();
        self.Alive.ShouldBeTrue();
        self.Url.ShouldBe("http://127.0.0.1:1");
        var live = await nodes.FindAsync("other-node", CancellationToken.None);
        live.ShouldNotBeNull();
        live.Alive.ShouldBeTrue();
        live.Url.ShouldBe("http://127.0.0.1:2");
        (await nodes.ListAsync(CancellationToken.None)).Select(n => n.Name).ShouldBe(new[] { nodes.Self, "other-node" }.Order());

        await other.KillHardAsync();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await nodes.FindAsync("other-node", CancellationToken.None))!.Alive)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "a killed node's connection ends with it, and its lock with the connection");
            await Task.Delay(50);
        }

        (await nodes.FindAsync("no-such-node", CancellationToken.None)).ShouldBeNull();
    }
}
