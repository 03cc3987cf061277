using System.Net;
using System.Text;
using System.Text.Json;

namespace ClaudeBatch.Cli.Http;

/// <summary>One line for people from an RFC 9457 ProblemDetails answer: its title, its detail and the fields it names.</summary>
public static class ProblemText
{
    public static async Task<string> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return From((int)response.StatusCode, response.ReasonPhrase, body);
    }

    public static string From(int status, string? reason, string body)
    {
        var text = new StringBuilder();
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            if (problem.ValueKind == JsonValueKind.Object)
            {
                Append(text, String(problem, "title"));
                Append(text, String(problem, "detail"));
                if (problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in errors.EnumerateObject())
                    {
                        foreach (var message in field.Value.ValueKind == JsonValueKind.Array ? field.Value.EnumerateArray() : default)
                        {
                            Append(text, message.GetString());
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        if (text.Length == 0)
        {
            text.Append(reason ?? ((HttpStatusCode)status).ToString());
        }

        return $"{text} (HTTP {status})";
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void Append(StringBuilder text, string? part)
    {
        if (string.IsNullOrWhiteSpace(part) || text.ToString().Contains(part, StringComparison.Ordinal))
        {
            return;
        }

        text.Append(text.Length == 0 ? "" : text[^1] is '.' or ':' ? " " : ": ").Append(part.Trim());
    }
}
