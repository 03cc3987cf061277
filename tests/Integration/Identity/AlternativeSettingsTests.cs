using System.Net;
using System.Net.Http.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>Behaviour that depends on settings the shared host does not use: each test starts its own server.</summary>
public sealed class AlternativeSettingsTests
{
    [Fact]
    public async Task With_AllowPrecomputedHash_the_stored_hash_logs_in()
    {
        await using var api = await Start(new() { ["Auth:AllowPrecomputedHash"] = "true" });
        var user = api.Accounts.Add();

        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Hash });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        // A placeholder that is no crypt hash at all ("NP", "LK", "x": no password) is not a password, even its own text.
        foreach (var placeholder in new[] { "NP", "LK", "x" })
        {
            var holder = api.Accounts.AddWithHash($"ph{Guid.NewGuid():N}"[..12], placeholder, placeholder);
            (await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = holder.Username, password = placeholder }))
                .StatusCode.ShouldBe(HttpStatusCode.Unauthorized, placeholder);
        }
    }

    [Fact]
    public async Task Failed_logins_per_user_and_address_are_limited_then_allowed_again_after_the_window()
    {
        await using var api = await Start(new()
        {
            ["Auth:LoginRateLimit:FailuresPerUserAndAddress"] = "3",
            ["Auth:LoginRateLimit:WindowSeconds"] = "3",
        });
        var user = api.Accounts.Add();
        var other = api.Accounts.Add();
        var client = api.CreateClient();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            (await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = "guess" + attempt }))
                .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var limited = await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password });
        await limited.ShouldBeProblem(HttpStatusCode.TooManyRequests);
        int.Parse(limited.Headers.GetValues("Retry-After").Single()).ShouldBeInRange(1, 3);
        (await client.PostAsJsonAsync("/auth/login", new { username = other.Username, password = other.Password }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        (await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Failed_logins_per_client_address_are_limited_across_usernames()
    {
        await using var api = await Start(new()
        {
            ["Auth:LoginRateLimit:FailuresPerAddress"] = "4",
            ["Auth:LoginRateLimit:WindowSeconds"] = "60",
        });
        var client = api.CreateClient();

        for (var attempt = 0; attempt < 4; attempt++)
        {
            (await client.PostAsJsonAsync("/auth/login", new { username = "spray" + attempt, password = "guess" }))
                .StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var limited = await client.PostAsJsonAsync("/auth/login", new { username = "spray-next", password = "guess" });
        await limited.ShouldBeProblem(HttpStatusCode.TooManyRequests);
        limited.Headers.Contains("Retry-After").ShouldBeTrue();
        // A client that accepts no JSON is refused the same way (the status without a problem body), not with a 500.
        var html = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { username = "spray-html", password = "guess" }) };
        html.Headers.Accept.ParseAdd("text/html");
        var refused = await client.SendAsync(html);
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, await refused.Content.ReadAsStringAsync());
        refused.Headers.Contains("Retry-After").ShouldBeTrue();
        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<ApiFactory> Start(Dictionary<string, string> settings)
    {
        var api = new ApiFactory();
        foreach (var (key, value) in settings)
        {
            api.With(key, value);
        }

        await api.InitializeAsync();
        return api;
    }
}
