using ClaudeBatch.Infrastructure.Containers;
using ClaudeBatch.Integration.Tests.CodeIndex;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClaudeBatch.Integration.Tests.Containers;

/// <summary>The Docker adapter against the real engine scripts/test.sh starts (private socket, no bridge, local busybox image).</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class CidxContainersTests(ApiFactory api)
{
    [Fact]
    public async Task Removing_a_workspaces_containers_takes_exactly_its_own_and_leaves_another_workspaces_alone()
    {
        var mine = Directory.CreateDirectory(Path.Combine(api.RootPath, "docker-ws", Guid.NewGuid().ToString("N")[..8], "workspace")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(api.RootPath, "docker-ws", Guid.NewGuid().ToString("N")[..8], "workspace")).FullName;
        var (minePrefix, otherPrefix) = (CidxContainers.PrefixFor(mine), CidxContainers.PrefixFor(other));
        minePrefix.ShouldMatch("^cidx-[0-9a-f]{8}-$");
        minePrefix.ShouldNotBe(otherPrefix);
        foreach (var prefix in new[] { minePrefix, otherPrefix })
        {
            TestDocker.Run("network", "create", "--internal", prefix + "network");
            TestDocker.Run("run", "-d", "--network", "none", "--name", prefix + "qdrant", TestDocker.Image);
            TestDocker.Run("create", "--network", "none", "--name", prefix + "data-cleaner", TestDocker.Image);
        }

        try
        {
            var containers = new CidxContainers(new DockerOptions { Endpoint = TestDocker.RequiredEndpoint }, NullLogger<CidxContainers>.Instance);

            (await containers.RemoveAsync(mine, CancellationToken.None)).ShouldBeNull();

            TestDocker.Named(minePrefix).ShouldBeEmpty();
            TestDocker.Named(otherPrefix).ShouldBe([otherPrefix + "data-cleaner", otherPrefix + "qdrant", otherPrefix + "network"], ignoreOrder: true);
        }
        finally
        {
            foreach (var name in TestDocker.Named(otherPrefix).Concat(TestDocker.Named(minePrefix)))
            {
                try { TestDocker.Run("rm", "-f", name); } catch (InvalidOperationException) { TestDocker.Run("network", "rm", name); }
            }
        }
    }

    [Fact]
    public async Task Containers_a_misbehaving_cidx_leaves_after_stop_are_removed_when_the_job_ends()
    {
        var (client, repository, _) = await CodeIndexTests.UserWithRepositoryAsync(api, "containers=1");

        var job = await CodeIndexTests.RunCidxJobAsync(client, repository, "scenario: success");

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("cidxStatus").GetString().ShouldBe("stopped", "the fake started its containers (it fails when docker run fails)");
        var prefix = CidxContainers.PrefixFor(job.GetProperty("cowPath").GetString()!);
        TestDocker.Named(prefix).ShouldBeEmpty();
        var events = await client.EventsAsync(job.GetProperty("jobId").GetString()!);
        var stopped = events.Single(e => e.GetProperty("type").GetString() == "CodeIndexStopped");
        stopped.GetProperty("data").GetProperty("problem").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        File.ReadAllText(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl")).ShouldContain("\"start\"");
    }

    [Fact]
    public async Task Readiness_reports_that_docker_answers()
    {
        var health = System.Text.Json.JsonDocument.Parse(await (await api.LoginAsync(api.Accounts.Add())).GetStringAsync("/health/ready")).RootElement;

        health.GetRawText().ShouldContain("\"docker\"");
        health.GetRawText().ShouldContain("Docker answers.");
    }
}
