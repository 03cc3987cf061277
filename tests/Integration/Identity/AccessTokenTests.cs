using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>
/// Personal access tokens (DESIGN.md §7 "Integration"): made with a password login, shown once, stored only as a hash,
/// usable as a bearer token on every route, revoked at once, refused once expired or once the account is locked, and
/// unable to make more tokens.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AccessTokenTests(ApiFactory api)
{
    [Fact]
    public async Task A_token_is_shown_once_works_as_a_bearer_token_and_is_listed_without_itself()
    {
        var user = api.Accounts.Add();
        var signedIn = await api.LoginAsync(user);

        var created = await CreateAsync(signedIn, "ci", 30);

        created.Token.ShouldStartWith("cbs_");
        created.Token.Length.ShouldBe(47);
        created.Name.ShouldBe("ci");
        created.Expires.ShouldBe(DateTimeOffset.UtcNow.AddDays(30), TimeSpan.FromMinutes(1));
        var withToken = Bearer(created.Token);
        (await withToken.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var me = await withToken.GetFromJsonAsync<JsonElement>("/auth/me");
        me.GetProperty("user").GetString().ShouldBe(user.Username);
        me.GetProperty("expires").GetDateTimeOffset().ShouldBe(created.Expires);

        var listed = await ListAsync(signedIn);
        var item = listed.EnumerateArray().ShouldHaveSingleItem();
        item.GetProperty("id").GetString().ShouldBe(created.Id);
        item.GetProperty("name").GetString().ShouldBe("ci");
        item.GetProperty("created").GetDateTimeOffset().ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        item.GetProperty("expires").GetDateTimeOffset().ShouldBe(created.Expires);
        item.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "name", "created", "expires", "lastUsed"], ignoreOrder: true);
        listed.GetRawText().ShouldNotContain(created.Token);

        // The use is recorded in the background, soon after.
        var lastUsed = await PollAsync(async () => (await ListAsync(signedIn))[0].GetProperty("lastUsed"), used => used.ValueKind == JsonValueKind.String);
        lastUsed.GetDateTimeOffset().ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task The_token_is_stored_nowhere_only_its_hash_and_the_hash_only_in_the_token_document()
    {
        var user = api.Accounts.Add();
        var signedIn = await api.LoginAsync(user);
        var created = await CreateAsync(signedIn, "hash-only", 7);
        (await Bearer(created.Token).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Bearer(created.Token).DeleteAsync($"/auth/tokens/{created.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var secret = created.Token["cbs_".Length..];
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(created.Token)));
        var holdingSecret = await TablesHoldingAsync(secret);
        holdingSecret.ShouldBeEmpty("the token itself must be stored nowhere");
        var holdingHash = await TablesHoldingAsync(hash);
        holdingHash.ShouldBe(["mt_doc_accesstoken"], "the hash only in the token's document (not in an event)");
        api.ReadLog().ShouldNotContain(secret);
        api.ReadLog().ShouldNotContain(hash);

        // The account's history tells of it, without either.
        var history = await signedIn.GetStringAsync("/auth/history");
        history.ShouldContain("AccessTokenCreated");
        history.ShouldContain("AccessTokenRevoked");
        history.ShouldContain(created.Id);
        history.ShouldNotContain(secret);
        history.ShouldNotContain(hash);
    }

    [Fact]
    public async Task A_token_cannot_make_tokens_and_says_to_sign_in_with_a_password()
    {
        var signedIn = await api.LoginAsync(api.Accounts.Add());
        var created = await CreateAsync(signedIn, "ci", 1);

        var response = await Bearer(created.Token).PostAsJsonAsync("/auth/tokens", new { name = "more", expiresInDays = 90 });

        var problem = await response.ShouldBeProblem(HttpStatusCode.Forbidden);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:access-token-cannot-create-tokens");
        problem.GetProperty("detail").GetString()!.ShouldContain("password");
        (await ListAsync(signedIn)).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_at_once_and_is_no_longer_listed()
    {
        var signedIn = await api.LoginAsync(api.Accounts.Add());
        var kept = await CreateAsync(signedIn, "kept", 1);
        var revoked = await CreateAsync(signedIn, "revoked", 1);
        var withRevoked = Bearer(revoked.Token);
        (await withRevoked.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await signedIn.DeleteAsync($"/auth/tokens/{revoked.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await (await withRevoked.GetAsync("/jobs")).ShouldBeProblem(HttpStatusCode.Unauthorized);
        (await Bearer(kept.Token).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ListAsync(signedIn)).EnumerateArray().Select(t => t.GetProperty("id").GetString()).ShouldBe([kept.Id]);
        await (await signedIn.DeleteAsync($"/auth/tokens/{revoked.Id}")).ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_users_token_is_not_found_and_keeps_working()
    {
        var owner = await api.LoginAsync(api.Accounts.Add());
        var stranger = await api.LoginAsync(api.Accounts.Add());
        var created = await CreateAsync(owner, "mine", 1);

        var problem = await (await stranger.DeleteAsync($"/auth/tokens/{created.Id}")).ShouldBeProblem(HttpStatusCode.NotFound);

        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:access-token-not-found");
        (await ListAsync(stranger)).GetArrayLength().ShouldBe(0);
        (await Bearer(created.Token).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_may_revoke_itself_by_logging_out_but_not_its_owners_other_tokens()
    {
        var signedIn = await api.LoginAsync(api.Accounts.Add());
        var first = await CreateAsync(signedIn, "first", 1);
        var second = await CreateAsync(signedIn, "second", 1);
        var withFirst = Bearer(first.Token);

        var refused = await (await withFirst.DeleteAsync($"/auth/tokens/{second.Id}")).ShouldBeProblem(HttpStatusCode.Forbidden);
        refused.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:access-token-may-revoke-only-itself");
        (await withFirst.GetAsync("/auth/tokens")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await withFirst.PostAsync("/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await withFirst.GetAsync("/jobs")).ShouldBeProblem(HttpStatusCode.Unauthorized);
        (await Bearer(second.Token).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await signedIn.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK, "the password login is not logged out");
        var revocation = (await signedIn.GetFromJsonAsync<JsonElement>("/auth/history")).EnumerateArray()
            .Single(e => e.GetProperty("type").GetString() == "AccessTokenRevoked").GetProperty("data");
        revocation.GetProperty("tokenId").GetString().ShouldBe(first.Id);
        revocation.GetProperty("reason").GetString().ShouldBe("logged_out", revocation.GetRawText());
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var signedIn = await api.LoginAsync(api.Accounts.Add());
        var created = await CreateAsync(signedIn, "short", 1);
        var withToken = Bearer(created.Token);
        (await withToken.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A day later, as far as the token is concerned: its stored expiry moved into the past (every server hears of it).
        await ExecuteAsync(
            "UPDATE claudebatch.mt_doc_accesstoken SET data = jsonb_set(data, '{expiresAt}', to_jsonb($2::text)) WHERE id = $1",
            created.Id, DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O"));

        var refused = await PollAsync(() => withToken.GetAsync("/jobs"), r => r.StatusCode != HttpStatusCode.OK);
        var problem = await refused.ShouldBeProblem(HttpStatusCode.Unauthorized);
        refused.Headers.WwwAuthenticate.ToString().ShouldContain("invalid_token");
        problem.GetProperty("status").GetInt32().ShouldBe(401);
    }

    [Theory]
    [InlineData("{\"name\":\"ci\"}", "ExpiresInDays")]
    [InlineData("{\"name\":\"ci\",\"expiresInDays\":0}", "ExpiresInDays")]
    [InlineData("{\"name\":\"ci\",\"expiresInDays\":91}", "ExpiresInDays")]
    [InlineData("{\"name\":\"ci\",\"expiresInDays\":-5}", "ExpiresInDays")]
    [InlineData("{\"expiresInDays\":5}", "Name")]
    [InlineData("{\"name\":\"  \",\"expiresInDays\":5}", "Name")]
    [InlineData("{\"name\":\"a\\u0000b\",\"expiresInDays\":5}", "Name")]
    public async Task A_token_without_a_name_or_with_an_expiry_outside_1_to_MaxTokenDays_is_a_400(string body, string field)
    {
        var signedIn = await api.LoginAsync(api.Accounts.Add());

        var response = await signedIn.PostAsync("/auth/tokens", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetRawText().ShouldContain(field);
        (await ListAsync(signedIn)).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task One_account_holds_at_most_100_tokens_at_once()
    {
        var signedIn = await api.LoginAsync(api.Accounts.Add());
        var first = await CreateAsync(signedIn, "0", 1);
        for (var i = 1; i < 100; i++)
        {
            await CreateAsync(signedIn, i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1);
        }

        var refused = await signedIn.PostAsJsonAsync("/auth/tokens", new { name = "one more", expiresInDays = 1 });

        (await refused.ShouldBeProblem(HttpStatusCode.Conflict)).GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:access-token-limit");
        (await signedIn.DeleteAsync($"/auth/tokens/{first.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await CreateAsync(signedIn, "one more", 1);
    }

    [Theory]
    [InlineData("cbs_")]
    [InlineData("cbs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("cbs_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public async Task An_unknown_or_malformed_token_is_a_401(string token)
    {
        var response = await Bearer(token).GetAsync("/jobs");

        await response.ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_locked_accounts_token_stops_working_within_10_seconds()
    {
        var user = api.Accounts.Add();
        var created = await CreateAsync(await api.LoginAsync(user), "ci", 1);
        var withToken = Bearer(created.Token);
        (await withToken.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        api.Accounts.Lock(user);

        var watch = Stopwatch.StartNew();
        var refused = await PollAsync(() => withToken.GetAsync("/jobs"), r => r.StatusCode != HttpStatusCode.OK);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        var problem = await refused.ShouldBeProblem(HttpStatusCode.Unauthorized);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:account-locked");
    }

    [Fact]
    public async Task An_account_removed_and_made_again_under_the_same_name_is_not_opened_by_the_old_accounts_token()
    {
        var user = api.Accounts.Add();
        var created = await CreateAsync(await api.LoginAsync(user), "ci", 1);
        var withToken = Bearer(created.Token);
        (await withToken.GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);

        api.Accounts.Remove(user);
        var successor = api.Accounts.Add(username: user.Username);
        successor.Uid.ShouldNotBe(user.Uid);

        var watch = Stopwatch.StartNew();
        var refused = await PollAsync(() => withToken.GetAsync("/jobs"), r => r.StatusCode != HttpStatusCode.OK);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        var problem = await refused.ShouldBeProblem(HttpStatusCode.Unauthorized);
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:account-gone");
        (await (await api.LoginAsync(successor)).GetAsync("/jobs")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public sealed record Created(string Id, string Name, string Token, DateTimeOffset Expires);

    private static async Task<Created> CreateAsync(HttpClient client, string name, int days)
    {
        var response = await client.PostAsJsonAsync("/auth/tokens", new { name, expiresInDays = days });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Created>())!;
    }

    private static async Task<JsonElement> ListAsync(HttpClient client) =>
        await client.GetFromJsonAsync<JsonElement>("/auth/tokens");

    private HttpClient Bearer(string token)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Asks until <paramref name="done"/> holds, for at most 15 s.</summary>
    private static async Task<T> PollAsync<T>(Func<Task<T>> ask, Func<T, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var answer = await ask();
            if (done(answer))
            {
                return answer;
            }

            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15), "still not so");
            await Task.Delay(50);
        }
    }

    /// <summary>The tables of the server's schema with a row whose text holds <paramref name="text"/>.</summary>
    private async Task<List<string>> TablesHoldingAsync(string text)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'claudebatch' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var holding = new List<string>();
        foreach (var table in tables)
        {
            await using var search = new NpgsqlCommand($"SELECT count(*) FROM claudebatch.\"{table}\" AS t WHERE t::text LIKE '%' || $1 || '%'", connection)
            {
                Parameters = { new() { Value = text } },
            };
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                holding.Add(table);
            }
        }

        tables.ShouldContain("mt_events");
        return holding;
    }

    private async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync();
    }
}
