using System.Net;
using System.Net.Http.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>
/// A token is only as good as its account: once the account is locked, expired or removed from the shadow or passwd
/// file, its tokens stop working within 10 s, while everyone else's keep working.
/// </summary>
[Collection(SecondApiCollection.Name)]
public sealed class AccountStateTests(ApiFactory api)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("!")]
    [InlineData("*")]
    public async Task A_locked_accounts_token_stops_working_within_10_seconds(string mark)
    {
        var (user, client, bystander) = await TwoLoggedInUsersAsync();

        api.Accounts.Lock(user, mark);

        var problem = await (await RefusedWithinBoundAsync(client)).ShouldBeProblem(HttpStatusCode.Unauthorized);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:account-locked");
        problem.GetProperty("detail").GetString().ShouldBe($"The account '{user.Username}' is locked.");
        (await bystander.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_expired_accounts_token_stops_working_within_10_seconds()
    {
        var (user, client, bystander) = await TwoLoggedInUsersAsync();

        api.Accounts.Expire(user);

        var problem = await (await RefusedWithinBoundAsync(client)).ShouldBeProblem(HttpStatusCode.Unauthorized);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:account-expired");
        problem.GetProperty("detail").GetString().ShouldBe($"The account '{user.Username}' has expired.");
        (await bystander.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task A_removed_accounts_token_stops_working_within_10_seconds(bool fromShadow, bool fromPasswd)
    {
        var (user, client, bystander) = await TwoLoggedInUsersAsync();

        api.Accounts.Remove(user, fromShadow, fromPasswd);

        var problem = await (await RefusedWithinBoundAsync(client)).ShouldBeProblem(HttpStatusCode.Unauthorized);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:account-gone");
        problem.GetProperty("detail").GetString().ShouldBe($"The account '{user.Username}' no longer exists.");
        (await bystander.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_account_removed_and_made_again_under_the_same_name_is_not_opened_by_the_old_accounts_login_token()
    {
        var (user, client, _) = await TwoLoggedInUsersAsync();

        var successor = api.Accounts.ReplaceWithAnotherPerson(user);

        var problem = await (await RefusedWithinBoundAsync(client)).ShouldBeProblem(HttpStatusCode.Unauthorized);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:account-gone");
        // Nor can it make a token that would be the successor's.
        (await client.PostAsJsonAsync("/auth/tokens", new { name = "ci", expiresInDays = 1 })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await (await api.LoginAsync(successor)).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_account_added_a_moment_ago_can_use_its_token_at_once()
    {
        // The cache may be a few seconds old; a refusal is always checked against the files first.
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);

        (await client.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<(TestUser User, HttpClient Client, HttpClient Bystander)> TwoLoggedInUsersAsync()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var bystander = await api.LoginAsync(api.Accounts.Add());
        (await client.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        return (user, client, bystander);
    }

    /// <summary>Asks until the token is refused; fails when it still works <see cref="Bound"/> after the change.</summary>
    private static async Task<HttpResponseMessage> RefusedWithinBoundAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            var response = await client.GetAsync("/jobs");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return response;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the token still works 10 s after its account changed");
            await Task.Delay(100);
        }
    }
}
