using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Identity;

[Collection(ApiCollection.Name)]
public sealed class LoginTests(ApiFactory api)
{
    [Fact]
    public async Task Me_returns_the_account_as_the_passwd_file_knows_it()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);

        var me = JsonDocument.Parse(await client.GetStringAsync("/auth/me")).RootElement;

        me.GetProperty("user").GetString().ShouldBe(user.Username);
        me.GetProperty("uid").GetInt32().ShouldBe(user.Uid);
        me.GetProperty("home").GetString().ShouldBe($"/home/{user.Username}");
        me.GetProperty("expires").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_answer()
    {
        var user = api.Accounts.Add();
        var client = api.CreateClient();

        var wrongPassword = await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = "not-it" });
        var unknownUser = await client.PostAsJsonAsync("/auth/login", new { username = "nobody" + user.Uid, password = "not-it" });

        var a = await wrongPassword.ShouldBeProblem(HttpStatusCode.Unauthorized);
        var b = await unknownUser.ShouldBeProblem(HttpStatusCode.Unauthorized);
        WithoutTraceId(a).ShouldBe(WithoutTraceId(b));
    }

    [Fact]
    public async Task The_stored_hash_is_not_a_password_by_default()
    {
        var user = api.Accounts.Add();

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Hash });

        await response.ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(null, "x")]
    [InlineData("someone", null)]
    [InlineData("", "")]
    public async Task Missing_fields_are_a_400(string? username, string? password)
    {
        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username, password });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_10_kB_password_is_a_400_not_a_hash_computation()
    {
        var user = api.Accounts.Add();

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = new string('a', 10_240) });

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("password", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_password_with_a_NUL_is_refused_rather_than_truncated()
    {
        // crypt() reads C strings: "secret\0anything" would otherwise verify as "secret".
        var user = api.Accounts.Add(password: "secret-" + Guid.NewGuid().ToString("N")[..6]);

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password + "\0tail" });

        response.StatusCode.ShouldBeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Each_login_issues_a_distinct_token()
    {
        var user = api.Accounts.Add();
        var client = api.CreateClient();

        var first = await (await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password })).Content.ReadFromJsonAsync<ApiFactory.LoginBody>();
        var second = await (await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password })).Content.ReadFromJsonAsync<ApiFactory.LoginBody>();

        first!.Token.ShouldNotBe(second!.Token);
    }

    private static string WithoutTraceId(JsonElement problem) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value.ToString()));
}
