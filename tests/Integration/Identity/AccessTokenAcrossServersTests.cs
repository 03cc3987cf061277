using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>
/// Two real server processes on one database: a personal access token made on one works on the other at once, and a
/// revocation on one holds on the other within a second (a PostgreSQL notification); the other answers from memory,
/// and reads every token again when its listening connection is cut.
/// </summary>
public sealed class AccessTokenAcrossServersTests
{
    private const string Table = "claudebatch.mt_doc_accesstoken";

    [Fact]
    public async Task A_token_made_on_one_server_works_on_the_other_and_its_revocation_holds_there_within_a_second()
    {
        // No reconcile during the test: only the notification, or the reload after a reconnect, can tell B.
        var settings = new ApiFactory().With("Auth:RevocationReconcileSeconds", "3600");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        await using var a = await ServerProcess.StartAsync(settings.Settings);
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        var listener = await WaitForLoadedListenerAsync(settings.ConnectionString, b, previous: null);
        var onA = await a.LoginAsync(user);

        var first = await CreateAsync(onA, "first");
        var firstOnB = Bearer(b, first.Token);
        (await firstOnB.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK, b.Output);

        (await onA.DeleteAsync($"/auth/tokens/{first.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var refusedAfter = await TimeUntilRefusedAsync(firstOnB, TimeSpan.FromSeconds(5));
        refusedAfter.ShouldBeLessThan(TimeSpan.FromSeconds(1), b.Output);

        // A revocation B is not told of (the trigger off): B answers from memory, so it still accepts the token…
        var second = await CreateAsync(onA, "second");
        var secondOnB = Bearer(b, second.Token);
        (await secondOnB.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK, b.Output);
        await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Table} DISABLE TRIGGER access_token_notify");
        (await onA.DeleteAsync($"/auth/tokens/{second.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Bearer(a, second.Token).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await secondOnB.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK, "B must not have been told");

        // …until its listening connection is cut: on reconnect it reads every token again.
        await ExecuteAsync(settings.ConnectionString, $"SELECT pg_terminate_backend({listener})");
        await WaitForLoadedListenerAsync(settings.ConnectionString, b, previous: listener);
        (await secondOnB.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, b.Output);
        (await firstOnB.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, b.Output);
    }

    private sealed record Created(string Id, string Token);

    private static async Task<Created> CreateAsync(HttpClient client, string name)
    {
        var response = await client.PostAsJsonAsync("/auth/tokens", new { name, expiresInDays = 1 });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Created>())!;
    }

    private static HttpClient Bearer(RunningServer server, string token)
    {
        var client = server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Polls until the token is refused; the time it took, or the timeout's when it never was.</summary>
    private static async Task<TimeSpan> TimeUntilRefusedAsync(HttpClient client, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var status = (await client.GetAsync("/jobs")).StatusCode;
            if (status == HttpStatusCode.Unauthorized)
            {
                return watch.Elapsed;
            }

            status.ShouldBe(HttpStatusCode.OK);
            await Task.Delay(20);
        }

        return timeout;
    }

    /// <summary>Waits until the server's access-token listener (other than <paramref name="previous"/>) has loaded the tokens; its backend pid.</summary>
    private static async Task<int> WaitForLoadedListenerAsync(string connectionString, RunningServer server, int? previous)
    {
        var deadline = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var command = new NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'SELECT data%' AND pid <> $2",
                connection)
            {
                Parameters =
                {
                    new() { Value = AccessTokenListener.ApplicationName(server.ProcessId) },
                    new() { Value = previous ?? 0 },
                },
            };
            if (await command.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The server's access-token listener did not load: {server.Output}");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
