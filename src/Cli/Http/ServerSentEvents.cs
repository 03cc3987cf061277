using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace ClaudeBatch.Cli.Http;

/// <summary>One event of <c>GET /jobs/{id}/stream</c>: its number, kind (<c>status|message|step</c>) and JSON.</summary>
public sealed record JobStreamEvent(long Id, string Kind, JsonElement Data)
{
    public string Type => Data.TryGetProperty("type", out var type) ? type.GetString() ?? "" : "";

    public string? Status => Data.TryGetProperty("status", out var status) ? status.GetString() : null;

    public JsonElement Payload => Data.TryGetProperty("data", out var payload) ? payload : default;
}

/// <summary>Reads a job's Server-Sent Events from <c>Last-Event-ID</c> on, until the server ends the stream.</summary>
public static class ServerSentEvents
{
    public static async IAsyncEnumerable<JobStreamEvent> ReadAsync(
        ServerApi api, string jobId, long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/stream");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (afterId > 0)
        {
            request.Headers.Add("Last-Event-ID", afterId.ToString(CultureInfo.InvariantCulture));
        }

        using var response = await api.SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        long? id = null;
        string kind = "message";
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is { } number && data.Length > 0)
                {
                    yield return new JobStreamEvent(number, kind, JsonDocument.Parse(data.ToString()).RootElement.Clone());
                }

                (id, kind) = (null, "message");
                data.Clear();
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed):
                    id = parsed;
                    break;
                case "event":
                    kind = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : "").Append(value);
                    break;
            }
        }
    }
}
