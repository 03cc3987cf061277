using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>Only a token this server signed, for this audience, still in date and not revoked, is accepted.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class TokenValidationTests(ApiFactory api)
{
    [Fact]
    public async Task A_token_made_the_way_the_server_makes_them_is_accepted()
    {
        // Control case: the forgeries below differ from this one in a single respect each.
        (await MeWith(Token())).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unsigned_alg_none_token_is_refused()
    {
        var header = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var payload = Token().Split('.')[1];

        await (await MeWith($"{header}.{payload}.")).ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused() =>
        await (await MeWith(Token(key: new string('x', 64)))).ShouldBeProblem(HttpStatusCode.Unauthorized);

    [Fact]
    public async Task An_expired_token_is_refused() =>
        await (await MeWith(Token(expires: DateTime.UtcNow.AddMinutes(-5), issuedAt: DateTime.UtcNow.AddHours(-1))))
            .ShouldBeProblem(HttpStatusCode.Unauthorized);

    [Fact]
    public async Task A_token_for_another_issuer_or_audience_is_refused()
    {
        await (await MeWith(Token(issuer: "someone-else"))).ShouldBeProblem(HttpStatusCode.Unauthorized);
        await (await MeWith(Token(audience: "someone-else"))).ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_tampered_payload_is_refused()
    {
        var parts = Token().Split('.');
        var forged = Base64Url(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace(user.Username, "root"));

        await (await MeWith($"{parts[0]}.{forged}.{parts[2]}")).ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_real_login_token_works_and_garbage_does_not()
    {
        var client = api.CreateClient();
        var login = await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password });
        var token = (await login.Content.ReadFromJsonAsync<ApiFactory.LoginBody>())!.Token;

        (await MeWith(token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await MeWith("not-a-token")).ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_job_made_with_a_token_from_before_tokens_carried_the_uid_is_bound_to_the_account_all_the_same()
    {
        var (client, repository, owner) = await api.UserWithRepositoryAsync();
        var legacy = api.CreateClient();
        legacy.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(username: owner.Username));

        var jobId = await legacy.CreateJobAsync(repository, "scenario: instant", gitAware: false);

        var created = (await client.EventsAsync(jobId)).Single(e => e.GetProperty("type").GetString() == "JobCreated");
        created.GetProperty("data").GetProperty("uid").GetInt32().ShouldBe(owner.Uid);
    }

    private readonly TestUser user = api.Accounts.Add();

    private string Token(string? key = null, string issuer = "claude-batch-server", string audience = "claude-batch-clients",
        DateTime? expires = null, DateTime? issuedAt = null, string? username = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key ?? api.JwtKey)), SecurityAlgorithms.HmacSha256),
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", username ?? user.Username),
                new Claim("jti", Guid.NewGuid().ToString("N")),
            ]),
        });
    }

    private async Task<HttpResponseMessage> MeWith(string token)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.GetAsync("/auth/me");
    }

    private static string Base64Url(string text) => Base64UrlEncoder.Encode(text);
}
