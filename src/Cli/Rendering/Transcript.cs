using System.Text.Json;
using ClaudeBatch.Cli.Http;
using Spectre.Console;

namespace ClaudeBatch.Cli.Rendering;

/// <summary>
/// A job's live stream as a transcript: the agent's text as it is, each tool use as one step line with what it gave
/// back under it, status changes and the pipeline's steps dimmed. With <c>--json</c>, each event as one JSON line.
/// </summary>
public sealed class Transcript(CliConsole console, bool json)
{
    private const int ResultWidth = 160;

    public void Show(JobStreamEvent e)
    {
        if (json)
        {
            console.WriteLine(e.Data.GetRawText());
            return;
        }

        var data = e.Payload;
        switch (e.Type)
        {
            case "AgentSaid":
                console.Out.WriteLine(Text(data, "text").TrimEnd());
                break;
            case "AgentToolUsed":
                console.Out.MarkupLine($"[cyan]●[/] [bold]{Markup.Escape(Text(data, "tool"))}[/] {Markup.Escape(Formats.Excerpt(Text(data, "summary"), ResultWidth))}");
                break;
            case "AgentToolReturned":
                var error = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("isError", out var flag) && flag.ValueKind == JsonValueKind.True;
                console.Out.MarkupLine($"  [{(error ? "red" : "grey")}]⎿ {Markup.Escape(Formats.Excerpt(Text(data, "summary"), ResultWidth))}[/]");
                break;
            case "AgentSessionStarted":
                var model = Text(data, "model");
                console.Out.MarkupLine($"[grey]session {Markup.Escape(Text(data, "sessionId"))}{(model.Length > 0 ? " · " + Markup.Escape(model) : "")}[/]");
                break;
            case "FollowUpRequested":
                console.Out.MarkupLine($"[bold]› {Markup.Escape(Formats.Excerpt(Text(data, "prompt"), ResultWidth))}[/] [grey](turn {Markup.Escape(Text(data, "turn"))})[/]");
                break;
            default:
                if (e.Kind == "status" && e.Status is { } status)
                {
                    console.Out.MarkupLine($"[grey]—[/] [bold]{Markup.Escape(status)}[/] [grey]({Markup.Escape(Formats.Words(e.Type))})[/]");
                }
                else
                {
                    console.Out.MarkupLine($"[grey]· {Markup.Escape(Formats.Words(e.Type))}[/]");
                }

                break;
        }
    }

    private static string Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText()
            : "";
}
