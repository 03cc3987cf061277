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

            await PostgresServer.CutOffAsync(api.ConnectionString);

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
