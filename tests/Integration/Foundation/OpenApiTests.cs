using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Foundation;

[Collection(ApiCollection.Name)]
public sealed class OpenApiTests(ApiFactory api)
{
    [Fact]
    public async Task The_OpenAPI_document_describes_the_routes_and_the_bearer_scheme()
    {
        var response = await api.CreateClient().GetAsync("/openapi/v1.json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        document.GetProperty("paths").TryGetProperty("/auth/login", out _).ShouldBeTrue();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        scheme.GetProperty("scheme").GetString().ShouldBe("bearer");
    }

    [Fact]
    public async Task The_document_says_what_a_client_needs_headers_answers_fields_media_types_and_the_health_routes()
    {
        var paths = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");

        // Every route a token opens can answer 401 and 403; those of a job or repository 404.
        var me = paths.GetProperty("/auth/me").GetProperty("get").GetProperty("responses");
        (me.TryGetProperty("401", out _), me.TryGetProperty("403", out _)).ShouldBe((true, true));
        paths.GetProperty("/jobs/{jobId}/diff").GetProperty("get").GetProperty("responses").TryGetProperty("404", out _).ShouldBeTrue();
        var revoke = paths.GetProperty("/auth/tokens/{id}").GetProperty("delete").GetProperty("responses");
        (revoke.TryGetProperty("204", out _), revoke.TryGetProperty("401", out _), revoke.TryGetProperty("403", out _), revoke.TryGetProperty("404", out _))
            .ShouldBe((true, true, true, true));
        paths.GetProperty("/auth/tokens").GetProperty("post").GetProperty("responses").TryGetProperty("201", out _).ShouldBeTrue();

        // Routes answered by the node holding the job's folder can answer 503 naming it; those reading the job's view cannot.
        foreach (var (path, method) in new[]
                 {
                     ("/jobs/{jobId}/start", "post"), ("/jobs/{jobId}/prompts", "post"), ("/jobs/{jobId}", "delete"), ("/jobs/{jobId}/diff", "get"),
                     ("/jobs/{jobId}/push", "post"), ("/jobs/{jobId}/files", "post"), ("/jobs/{jobId}/files/download", "get"), ("/jobs/{jobId}/files", "get"),
                 })
        {
            paths.GetProperty(path).GetProperty(method).GetProperty("responses").TryGetProperty("503", out _).ShouldBeTrue($"{method} {path}");
        }

        paths.GetProperty("/jobs/{jobId}").GetProperty("get").GetProperty("responses").TryGetProperty("503", out _).ShouldBeFalse();

        // Where a cap or the login limit can refuse, 429 is documented.
        foreach (var (path, method) in new[] { ("/auth/login", "post"), ("/jobs/{jobId}/start", "post"), ("/jobs/{jobId}/prompts", "post"), ("/jobs/{jobId}/stream", "get") })
        {
            paths.GetProperty(path).GetProperty(method).GetProperty("responses").TryGetProperty("429", out _).ShouldBeTrue($"{method} {path}");
        }

        // Login and health need no token.
        paths.GetProperty("/auth/login").GetProperty("post").GetProperty("security").GetArrayLength().ShouldBe(0);
        paths.GetProperty("/health/ready").GetProperty("get").GetProperty("security").GetArrayLength().ShouldBe(0);
        paths.TryGetProperty("/health/live", out _).ShouldBeTrue();

        // Monitoring: both need a token (Metrics:AllowAnonymous is false by default); the metrics are Prometheus text.
        paths.GetProperty("/stats").GetProperty("get").GetProperty("responses").GetProperty("401");
        var metrics = paths.GetProperty("/metrics").GetProperty("get").GetProperty("responses");
        metrics.TryGetProperty("401", out _).ShouldBeTrue();
        metrics.GetProperty("200").GetProperty("content").TryGetProperty("text/plain", out _).ShouldBeTrue();

        // The Idempotency-Key header exactly where it is taken.
        string[] idempotent = ["/jobs|post", "/jobs/{jobId}/start|post", "/jobs/{jobId}/prompts|post", "/repositories/register|post"];
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var takesKey = operation.Value.TryGetProperty("parameters", out var parameters)
                    && parameters.EnumerateArray().Any(p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
                takesKey.ShouldBe(idempotent.Contains($"{path.Name}|{operation.Name}"), $"{operation.Name} {path.Name}");
            }
        }

        // The upload's field is "files" (Swagger's "Try it out" sends it), the stream is text/event-stream.
        var upload = paths.GetProperty("/jobs/{jobId}/files").GetProperty("post").GetProperty("requestBody").GetProperty("content")
            .GetProperty("multipart/form-data").GetProperty("schema");
        upload.GetProperty("properties").GetProperty("files").GetProperty("items").GetProperty("format").GetString().ShouldBe("binary");
        paths.GetProperty("/jobs/{jobId}/stream").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content")
            .TryGetProperty("text/event-stream", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Optional_request_fields_are_not_required()
    {
        var schemas = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement
            .GetProperty("components").GetProperty("schemas");

        foreach (var name in new[] { "CreateJobRequest", "CreateJobOptions", "FollowUpRequest", "CreateAccessTokenRequest" })
        {
            (schemas.GetProperty(name).TryGetProperty("required", out var required) ? required.GetArrayLength() : 0).ShouldBe(0, name);
        }
    }

    [Fact]
    public async Task Swagger_UI_is_served_without_a_token()
    {
        var response = await api.CreateClient().GetAsync("/swagger/index.html");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("swagger");
    }
}
