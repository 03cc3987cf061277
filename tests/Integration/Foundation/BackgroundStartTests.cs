using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Infrastructure.Persistence;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Foundation;

/// <summary>The slow part of a start (schema, message queues) runs behind Kestrel: live at once, ready once it is done.</summary>
public sealed class BackgroundStartTests
{
    [Fact]
    public async Task Live_answers_while_the_schema_waits_ready_and_requests_wait_for_the_start_then_succeed()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        try
        {
            var user = settings.Accounts.Add();
            // Marten applies the schema under an advisory lock: holding it holds the start at that step.
            await using var holder = new NpgsqlConnection(settings.ConnectionString);
            await holder.OpenAsync();
            var lockId = PersistenceRegistration.CreateStoreOptions(settings.ConnectionString!).ApplyChangesLockId;
            await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({lockId})", holder))
            {
                await take.ExecuteNonQueryAsync();
            }

            await using var server = await ServerProcess.StartAsync(settings.Settings, waitForStart: false);
            using var client = server.CreateClient();

            (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var ready = await client.GetAsync("/health/ready");
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            report.GetProperty("checks").GetProperty("start").GetProperty("status").GetString().ShouldBe("Unhealthy");
            var login = client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password });
            // It waits for the start rather than being answered by a half-started server.
            (await Task.WhenAny(login, Task.Delay(TimeSpan.FromSeconds(1)))).ShouldNotBe(login, "the login was answered before the start");

            await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({lockId})", holder))
            {
                await release.ExecuteNonQueryAsync();
            }

            var answer = await login;
            answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await ((IAsyncLifetime)settings).DisposeAsync();
        }
    }
}
