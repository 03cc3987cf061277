using System.Net;
using System.Net.Http.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>Hashes made by the real tools an administrator uses verify through the login route; nothing else does.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class PasswordSchemeTests(ApiFactory api)
{
    [Theory]
    [InlineData("-6")]
    [InlineData("-5")]
    [InlineData("-1")]
    [InlineData("yescrypt")]
    [InlineData("bcrypt")]
    public async Task A_hash_made_by_the_system_tools_logs_in_with_its_password(string scheme)
    {
        var user = api.Accounts.Add(scheme);

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<ApiFactory.LoginBody>();
        body!.User.ShouldBe(user.Username);
        body.Token.Split('.').Length.ShouldBe(3);
        body.Expires.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(23));
    }

    [Theory]
    [InlineData("-6")]
    [InlineData("yescrypt")]
    public async Task A_wrong_password_is_refused(string scheme)
    {
        var user = api.Accounts.Add(scheme);

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password + "x" });

        await response.ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("!{0}")]
    [InlineData("!!")]
    [InlineData("*")]
    [InlineData("!")]
    [InlineData("")]
    public async Task A_locked_or_empty_entry_never_logs_in(string entry)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N")[..10];
        var hash = TestAccounts.Hash("-6", password);
        var user = api.Accounts.AddWithHash("l" + Guid.NewGuid().ToString("N")[..10], password, string.Format(entry, hash));

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password });

        await response.ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_user_with_no_passwd_entry_is_refused_even_with_the_right_password()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N")[..10];
        var username = "n" + Guid.NewGuid().ToString("N")[..10];
        File.AppendAllText(api.Accounts.ShadowPath, $"{username}:{TestAccounts.Hash("-6", password)}:19000:0:99999:7:::\n");

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username, password });

        await response.ShouldBeProblem(HttpStatusCode.Unauthorized);
    }
}
