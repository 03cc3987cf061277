using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Identity;

[Collection(ApiCollection.Name)]
public sealed class LogoutTests(ApiFactory api)
{
    [Fact]
    public async Task Logout_revokes_the_presented_token_and_only_that_one()
    {
        var user = api.Accounts.Add();
        var loggedOut = await api.LoginAsync(user);
        var otherSession = await api.LoginAsync(user);

        var logout = await loggedOut.PostAsync("/auth/logout", null);

        logout.StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await loggedOut.GetAsync("/auth/me")).ShouldBeProblem(HttpStatusCode.Unauthorized);
        await (await loggedOut.PostAsync("/auth/logout", null)).ShouldBeProblem(HttpStatusCode.Unauthorized);
        (await otherSession.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revoked_token_stays_revoked_after_a_restart_and_on_another_server()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var token = client.DefaultRequestHeaders.Authorization!;
        (await client.PostAsync("/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var restarted = api.SecondServer();
        var other = restarted.CreateClient();
        other.DefaultRequestHeaders.Authorization = token;

        await (await other.GetAsync("/auth/me")).ShouldBeProblem(HttpStatusCode.Unauthorized);
        var fresh = await restarted.LoginAsync(user);
        (await fresh.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_account_history_replays_logins_refusals_and_revocations_without_secrets()
    {
        var user = api.Accounts.Add();
        await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = "wrong-password-123" });
        var client = await api.LoginAsync(user);
        await client.PostAsync("/auth/logout", null);
        var reader = await api.LoginAsync(user);

        var text = await reader.GetStringAsync("/auth/history");
        var history = JsonDocument.Parse(text).RootElement.EnumerateArray().ToList();

        history.Select(e => e.GetProperty("type").GetString())
            .ShouldBe(["LoginFailed", "UserLoggedIn", "TokenRevoked", "UserLoggedIn"]);
        history[0].GetProperty("data").GetProperty("reason").GetString().ShouldBe("wrong_password");
        history.Select(e => e.GetProperty("version").GetInt64()).ShouldBe([1L, 2L, 3L, 4L]);
        text.ShouldNotContain("wrong-password-123");
        text.ShouldNotContain(user.Password);
        text.ShouldNotContain(client.DefaultRequestHeaders.Authorization!.Parameter!);
    }

    [Fact]
    public async Task Passwords_and_tokens_never_reach_the_log()
    {
        var user = api.Accounts.Add();
        await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = "a-wrong-guess-777" });
        var client = await api.LoginAsync(user);
        await client.GetAsync("/auth/me");
        await client.PostAsync("/auth/logout", null);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the file sink flushes every second

        var log = api.ReadLog();

        log.ShouldContain("/auth/login"); // the log is being written at all
        log.ShouldNotContain(user.Password);
        log.ShouldNotContain("a-wrong-guess-777");
        log.ShouldNotContain(client.DefaultRequestHeaders.Authorization!.Parameter!);
        log.ShouldNotContain(user.Hash);
    }
}
