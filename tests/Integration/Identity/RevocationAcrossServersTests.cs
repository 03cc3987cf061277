using System.Diagnostics;
using System.Net;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>
/// Two real server processes on one database: each keeps the revoked tokens in memory, told of the other's logouts by
/// PostgreSQL notifications, and reads them all again after a reconnect and every reconcile period.
/// </summary>
public sealed class RevocationAcrossServersTests
{
    private const string Table = "claudebatch.mt_doc_revokedtoken";

    [Fact]
    public async Task A_logout_on_one_server_refuses_the_token_on_the_other_within_a_second_and_one_missed_is_read_on_reconnect()
    {
        // No reconcile during the test: only the notification, or the reload after a reconnect, can tell B.
        var settings = new ApiFactory().With("Auth:RevocationReconcileSeconds", "3600");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        await using var a = await ServerProcess.StartAsync(settings.Settings);
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        var listener = await WaitForLoadedListenerAsync(settings.ConnectionString, b, previous: null);

        var onA = await a.LoginAsync(user);
        var onB = b.CreateClient();
        onB.DefaultRequestHeaders.Authorization = onA.DefaultRequestHeaders.Authorization;
        (await onB.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK, b.Output);

        (await onA.PostAsync("/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var refusedAfter = await TimeUntilRefusedAsync(onB, TimeSpan.FromSeconds(5));
        refusedAfter.ShouldBeLessThan(TimeSpan.FromSeconds(1), b.Output);

        // A revocation B is not told of (the trigger off), then B's listen connection cut: B reads it on reconnect.
        var second = await a.LoginAsync(user);
        var secondOnB = b.CreateClient();
        secondOnB.DefaultRequestHeaders.Authorization = second.DefaultRequestHeaders.Authorization;
        await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Table} DISABLE TRIGGER revocation_notify");
        (await second.PostAsync("/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await secondOnB.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "B must not have been told");

        await ExecuteAsync(settings.ConnectionString, $"SELECT pg_terminate_backend({listener})");
        await WaitForLoadedListenerAsync(settings.ConnectionString, b, previous: listener);
        (await secondOnB.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, b.Output);
        (await onB.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, b.Output);
    }

    [Fact]
    public async Task A_missed_notification_is_made_up_for_by_the_periodic_reconcile()
    {
        var settings = new ApiFactory().With("Auth:RevocationReconcileSeconds", "2");
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        await using var a = await ServerProcess.StartAsync(settings.Settings);
        await using var b = await ServerProcess.StartAsync(settings.Settings);
        await WaitForLoadedListenerAsync(settings.ConnectionString, b, previous: null);

        var onA = await a.LoginAsync(user);
        var onB = b.CreateClient();
        onB.DefaultRequestHeaders.Authorization = onA.DefaultRequestHeaders.Authorization;
        await ExecuteAsync(settings.ConnectionString, $"ALTER TABLE {Table} DISABLE TRIGGER revocation_notify");
        (await onA.PostAsync("/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await onA.GetAsync("/auth/me")).ShouldBeProblem(HttpStatusCode.Unauthorized);

        // Without the reconcile B, its list loaded and current, would accept the token until it expires.

        var refusedAfter = await TimeUntilRefusedAsync(onB, TimeSpan.FromSeconds(15));
        refusedAfter.ShouldBeLessThan(TimeSpan.FromSeconds(10), b.Output);
    }

    /// <summary>Polls until the token is refused; the time it took, or the timeout's when it never was.</summary>
    private static async Task<TimeSpan> TimeUntilRefusedAsync(HttpClient client, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var status = (await client.GetAsync("/auth/me")).StatusCode;
            if (status == HttpStatusCode.Unauthorized)
            {
                return watch.Elapsed;
            }

            status.ShouldBe(HttpStatusCode.OK);
            await Task.Delay(20);
        }

        return timeout;
    }

    /// <summary>
    /// Waits until the server's listen connection (other than <paramref name="previous"/>) has loaded the revocations:
    /// its last statement is the load. Returns its backend pid.
    /// </summary>
    private static async Task<int> WaitForLoadedListenerAsync(string connectionString, RunningServer server, int? previous)
    {
        var deadline = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var command = new NpgsqlCommand(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'SELECT id%' AND pid <> $2",
                connection)
            {
                Parameters =
                {
                    new() { Value = RevocationListener.ApplicationName(server.ProcessId) },
                    new() { Value = previous ?? 0 },
                },
            };
            if (await command.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The server's revocation listener did not load: {server.Output}");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
