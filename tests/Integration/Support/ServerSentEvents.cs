using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>One frame of a text/event-stream: an event (id, name, data) or a comment line.</summary>
public sealed record SseFrame(long? Id, string? Event, string? Data, string? Comment, DateTime ReceivedAt)
{
    public JsonElement Json => JsonDocument.Parse(Data!).RootElement;
}

/// <summary>A minimal, strict reader of Server-Sent Events, as the HTML standard parses them.</summary>
public static class ServerSentEvents
{
    public static async Task<HttpResponseMessage> OpenStreamAsync(this HttpClient client, string jobId, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/stream");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString());
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public static async IAsyncEnumerable<SseFrame> ReadFramesAsync(this HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        long? id = null;
        string? name = null;
        var data = new StringBuilder();
        var any = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (any && data.Length > 0)
                {
                    yield return new SseFrame(id, name ?? "message", data.ToString().TrimEnd('\n'), null, DateTime.UtcNow);
                }

                (id, name, any) = (null, null, false);
                data.Clear();
                continue;
            }

            if (line.StartsWith(':'))
            {
                yield return new SseFrame(null, null, null, line[1..].Trim(), DateTime.UtcNow);
                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            any = true;
            switch (field)
            {
                case "id": id = long.Parse(value); break;
                case "event": name = value; break;
                case "data": data.Append(value).Append('\n'); break;
            }
        }
    }

    /// <summary>Every event frame until the server ends the stream (bounded by <paramref name="timeout"/>).</summary>
    public static async Task<List<SseFrame>> ReadToEndAsync(this HttpResponseMessage response, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var frames = new List<SseFrame>();
        await foreach (var frame in response.ReadFramesAsync().WithCancellation(cancel.Token))
        {
            frames.Add(frame);
        }

        return frames;
    }
}
