using System.Net;
using System.Net.Http.Json;
using System.Text;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Foundation;

[Collection(ThirdApiCollection.Name)]
public sealed class ProblemDetailsTests(ApiFactory api)
{
    [Fact]
    public async Task An_invalid_body_is_a_400_that_lists_each_invalid_field()
    {
        var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = "", password = "" });

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        errors.TryGetProperty("username", out _).ShouldBeTrue();
        errors.TryGetProperty("password", out _).ShouldBeTrue();
        problem.GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:validation");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"username\": 42, \"password\": true}")]
    [InlineData("")]
    public async Task A_malformed_body_is_a_400_problem(string body)
    {
        var response = await api.CreateClient().PostAsync(
            "/auth/login", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0xFF, 0xFE, 0x75, 0x22, 0x3A, 0x31, 0x7D })]
    [InlineData(new byte[] { 0x7B, 0x22, 0x75, 0x73, 0x65, 0x72, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D })]
    public async Task A_login_body_that_is_not_UTF_8_is_a_400_problem(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");

        var response = await api.CreateClient().PostAsync("/auth/login", content);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; charset=")]
    public async Task A_body_in_a_charset_the_server_cannot_read_is_a_415_problem(string contentType)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"name\":\"x\",\"gitUrl\":\"https://example.com/x.git\"}"));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await client.PostAsync("/repositories/register", content);

        (await response.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType)).GetProperty("type").GetString()
            .ShouldBe("urn:claude-batch:problem:unsupported-charset");

        // A client that accepts no JSON gets the same status, in plain text.
        var html = new HttpRequestMessage(HttpMethod.Post, "/repositories/register") { Content = content };
        html.Headers.Accept.ParseAdd("text/html");
        (await client.SendAsync(html)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        var client = await api.LoginAsync(api.Accounts.Add());

        var response = await client.GetAsync("/no-such-route");

        await response.ShouldBeProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_request_without_a_token_is_a_401_problem()
    {
        var response = await api.CreateClient().GetAsync("/auth/me");

        await response.ShouldBeProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_unexpected_failure_is_a_500_problem_that_names_no_internals()
    {
        // The accounts file vanishing under a running server is a fault no request can cause or fix.
        var moved = api.Accounts.ShadowPath + ".moved";
        File.Move(api.Accounts.ShadowPath, moved);
        try
        {
            var response = await api.CreateClient().PostAsJsonAsync("/auth/login", new { username = "someone", password = "secret" });

            var problem = await response.ShouldBeProblem(HttpStatusCode.InternalServerError);
            var text = problem.GetRawText();
            text.ShouldNotContain("FileNotFound");
            text.ShouldNotContain(api.Accounts.ShadowPath);
            text.ShouldNotContain(" at ");
            problem.TryGetProperty("traceId", out _).ShouldBeTrue();
        }
        finally
        {
            File.Move(moved, api.Accounts.ShadowPath);
        }
    }
}
