using System.Net;
using System.Text.Json;

namespace ClaudeBatch.Integration.Tests.Support;

public static class ProblemAssertions
{
    /// <summary>Asserts an RFC 7807 response with the given status and returns its JSON.</summary>
    public static async Task<JsonElement> ShouldBeProblem(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        var json = JsonDocument.Parse(text).RootElement;
        json.GetProperty("status").GetInt32().ShouldBe((int)status);
        json.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        return json;
    }
}
