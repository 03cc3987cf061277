using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Foundation;

public sealed class ReadinessWithoutDatabaseTests
{
    [Fact]
    public async Task Ready_is_503_not_500_nor_a_hang_when_the_database_is_unreachable()
    {
        var api = new ApiFactory();
        await api.InitializeAsync();
        try
        {
            var client = api.CreateClient();
            client.Timeout = TimeSpan.FromSeconds(30);
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var user = await api.LoginAsync(api.Accounts.Add());

            await PostgresServer.CutOffAsync(api.ConnectionString);

            // A request that needs the database: a clear 503 with Retry-After, not a 500 with a stack trace, not a hang.
            var jobs = await user.GetAsync("/jobs");
            var problem = await jobs.ShouldBeProblem(HttpStatusCode.ServiceUnavailable);
            problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:database-unavailable");
            jobs.Headers.RetryAfter.ShouldNotBeNull();
            (await jobs.Content.ReadAsStringAsync()).ShouldNotContain("Npgsql");

            var response = await client.GetAsync("/health/ready");
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            report.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString().ShouldBe("Unhealthy");
            (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }
}
