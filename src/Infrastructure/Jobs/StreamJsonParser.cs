using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>One understood line of Claude Code's <c>--output-format stream-json</c> output.</summary>
public abstract record AgentMessage;

public sealed record SessionInit(string SessionId, string? Model) : AgentMessage;

public sealed record ToolUse(string Tool, string Summary) : AgentMessage;

public sealed record AssistantText(string Text) : AgentMessage;

public sealed record ToolResult(bool IsError, string Summary) : AgentMessage;

public sealed record ResultLine(
    bool IsError, string? Subtype, string Result, string? SessionId, decimal? CostUsd, int? NumTurns, long? DurationMs) : AgentMessage;

/// <summary>
/// Parses stream-json lines by their <c>type</c>: <c>system/init</c>, <c>assistant</c> content blocks (text and
/// tool uses), <c>user</c> tool results and the final <c>result</c>. Lines it does not understand yield nothing rather than failing the job.
/// </summary>
public static partial class StreamJsonParser
{
    public const int MaxSummaryLength = 200;

    public static IEnumerable<AgentMessage> Parse(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.Contains(@"\u0000", StringComparison.Ordinal) ? WithoutNul(line) : line);
        }
        catch (JsonException)
        {
            return [];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            return Text(root, "type") switch
            {
                "system" when Text(root, "subtype") == "init" && Text(root, "session_id") is { } session =>
                    [new SessionInit(session, Text(root, "model"))],
                "assistant" => Assistant(root),
                "user" => ToolResults(root),
                "result" => [Result(root)],
                _ => [],
            };
        }
    }

    private static List<AgentMessage> Assistant(JsonElement root)
    {
        var messages = new List<AgentMessage>();
        if (!root.TryGetProperty("message", out var message) || !message.TryGetProperty("content", out var content)
            || content.ValueKind != JsonValueKind.Array)
        {
            return messages;
        }

        foreach (var block in content.EnumerateArray())
        {
            switch (Text(block, "type"))
            {
                case "tool_use":
                    messages.Add(new ToolUse(Text(block, "name") ?? "unknown", Summarize(block)));
                    break;
                case "text" when Text(block, "text") is { Length: > 0 } text:
                    messages.Add(new AssistantText(text));
                    break;
            }
        }

        return messages;
    }

    /// <summary>The <c>tool_result</c> blocks of a <c>user</c> line: what each tool returned, cut short.</summary>
    private static List<AgentMessage> ToolResults(JsonElement root)
    {
        var messages = new List<AgentMessage>();
        if (!root.TryGetProperty("message", out var message) || !message.TryGetProperty("content", out var content)
            || content.ValueKind != JsonValueKind.Array)
        {
            return messages;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (Text(block, "type") != "tool_result")
            {
                continue;
            }

            var text = block.TryGetProperty("content", out var body) ? body.ValueKind switch
            {
                JsonValueKind.String => Start(body),
                JsonValueKind.Array => string.Join(" ", body.EnumerateArray()
                    .Select(part => part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String ? Start(value) : null)
                    .OfType<string>()),
                _ => "",
            } : "";
            var isError = block.TryGetProperty("is_error", out var error) && error.ValueKind == JsonValueKind.True;
            messages.Add(new ToolResult(isError, Shorten(text)));
        }

        return messages;
    }

    /// <summary>
    /// An agent's output can hold NUL characters (a tool that printed a binary file), which PostgreSQL cannot keep in an
    /// event: each escaped NUL (not an escaped backslash followed by "u0000") becomes U+FFFD, the replacement character.
    /// </summary>
    private static string WithoutNul(string line) => EscapedNul().Replace(line, "\\ufffd");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=(?<!\\)(?:\\\\)*)\\u0000")]
    private static partial System.Text.RegularExpressions.Regex EscapedNul();

    /// <summary>
    /// Enough of a string value for its summary, without decoding the rest: a tool's output can be megabytes, and
    /// only its first <see cref="MaxSummaryLength"/> characters are kept.
    /// </summary>
    private static string Start(JsonElement value)
    {
        // The value as written, quotes included. Each character is at most 6 bytes escaped ("\uXXXX") and a line
        // ending of two becomes one space, so this many bytes always hold more than the summary needs.
        var raw = JsonMarshal.GetRawUtf8Value(value);
        const int enough = (2 * MaxSummaryLength + 2) * 6;
        if (raw.Length <= enough + 2)
        {
            return value.GetString() ?? "";
        }

        var cut = raw.Slice(1, enough);
        var end = cut.Length;
        // Not inside a UTF-8 sequence: drop its continuation bytes and the lead byte they belong to.
        while (end > 0 && (cut[end - 1] & 0xC0) == 0x80)
        {
            end--;
        }

        if (end > 0 && cut[end - 1] >= 0xC0)
        {
            end--;
        }

        // Not inside an escape ("\\uXXXX" is six bytes), nor after the first half of a surrogate pair.
        var escape = LastEscape(cut[..end]);
        if (escape >= 0 && end - escape < 6)
        {
            end = escape;
            escape = LastEscape(cut[..end]);
        }

        if (escape >= 0 && end - escape == 6 && cut[escape + 1] == 'u' && cut[escape + 2] is (byte)'D' or (byte)'d'
            && cut[escape + 3] is (byte)'8' or (byte)'9' or (byte)'A' or (byte)'B' or (byte)'a' or (byte)'b')
        {
            end = escape;
        }

        var json = new byte[end + 2];
        json[0] = json[^1] = (byte)'"';
        cut[..end].CopyTo(json.AsSpan(1));
        try
        {
            return JsonSerializer.Deserialize<string>(json) ?? "";
        }
        catch (JsonException)
        {
            return value.GetString() ?? "";
        }
    }

    /// <summary>Where the last escape sequence of escaped JSON text starts, or -1 when its last backslash is an escaped one.</summary>
    private static int LastEscape(ReadOnlySpan<byte> text)
    {
        var last = text.LastIndexOf((byte)'\\');
        var run = 0;
        while (last - run >= 0 && text[last - run] == '\\')
        {
            run++;
        }

        return run % 2 == 1 ? last : -1;
    }

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length > MaxSummaryLength ? text[..MaxSummaryLength] + "…" : text;
    }

    private static ResultLine Result(JsonElement root) => new(
        root.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True,
        Text(root, "subtype"),
        Text(root, "result") ?? "",
        Text(root, "session_id"),
        root.TryGetProperty("total_cost_usd", out var cost) && cost.ValueKind == JsonValueKind.Number ? cost.GetDecimal() : null,
        root.TryGetProperty("num_turns", out var turns) && turns.ValueKind == JsonValueKind.Number ? turns.GetInt32() : null,
        root.TryGetProperty("duration_ms", out var duration) && duration.ValueKind == JsonValueKind.Number ? duration.GetInt64() : null);

    /// <summary>The most telling input of a tool call: its command, file path, pattern or URL, cut short.</summary>
    private static string Summarize(JsonElement toolUse)
    {
        if (!toolUse.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var summary = new[] { "command", "file_path", "path", "pattern", "url", "description", "prompt" }
            .Select(key => Text(input, key))
            .FirstOrDefault(value => !string.IsNullOrEmpty(value))
            ?? input.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null).FirstOrDefault(v => v is not null)
            ?? "";
        return Shorten(summary);
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
