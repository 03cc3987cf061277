using System.Globalization;
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
public static class StreamJsonParser
{
    public const int MaxSummaryLength = 200;

    public static IEnumerable<AgentMessage> Parse(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
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
                JsonValueKind.String => body.GetString() ?? "",
                JsonValueKind.Array => string.Join(" ", body.EnumerateArray().Select(part => Text(part, "text")).OfType<string>()),
                _ => "",
            } : "";
            var isError = block.TryGetProperty("is_error", out var error) && error.ValueKind == JsonValueKind.True;
            messages.Add(new ToolResult(isError, Shorten(text)));
        }

        return messages;
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
