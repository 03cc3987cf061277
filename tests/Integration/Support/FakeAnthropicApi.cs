using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A stand-in for the Anthropic Messages API that the real Claude Code CLI talks to in the E2E tests
/// (<c>ANTHROPIC_BASE_URL</c>). It answers <c>POST /v1/messages</c> with the streaming protocol the CLI speaks
/// (message_start, content blocks with deltas, message_delta, message_stop). The script is picked by a marker
/// <c>e2e:NAME</c> in the conversation's first user message; the turn is the number of assistant messages already in
/// the request. Every request is kept for the tests to inspect.
/// </summary>
public sealed class FakeAnthropicApi : IAsyncDisposable
{
    public const string AnswerText = "The answer is 42.";
    public const string MadeFile = "made-by-claude.txt";

    private readonly WebApplication app;

    private FakeAnthropicApi(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<JsonNode> Requests { get; } = new();

    /// <summary>Each scenario's turns, as the model would answer them.</summary>
    public static async Task<FakeAnthropicApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeAnthropicApi(app);
        app.MapPost("/v1/messages", fake.MessagesAsync);
        app.MapPost("/v1/messages/count_tokens", () => Results.Json(new { input_tokens = 10 }));
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First();
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Requests whose conversation carries the marker of <paramref name="scenario"/>.</summary>
    public IReadOnlyList<JsonNode> RequestsFor(string scenario) => Requests.Where(r => ScenarioOf(r) == scenario).ToList();

    private async Task MessagesAsync(HttpContext http)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body))!;
        Requests.Enqueue(body);
        var scenario = ScenarioOf(body);
        var turn = body["messages"]!.AsArray().Count(m => m?["role"]?.GetValue<string>() == "assistant");
        var model = body["model"]?.GetValue<string>() ?? "claude-fake";
        var hasTools = body["tools"] is JsonArray { Count: > 0 };

        switch (hasTools ? scenario : null)
        {
            case "api-401":
                await ErrorAsync(http, 401, "authentication_error", "invalid x-api-key");
                return;
            case "api-500":
                await ErrorAsync(http, 500, "api_error", "Internal server error");
                return;
            case "write-file" when turn == 0:
                await ToolUseAsync(http, model, "Bash", new { command = $"echo hello-from-claude > {MadeFile}", description = "Create the file" });
                return;
            case "write-file":
                await TextAsync(http, model, $"Created {MadeFile}.");
                return;
            case "read-other" when turn == 0:
                var target = FirstUserText(body).Split('\n').Select(l => l.Trim()).First(l => l.StartsWith('/'));
                await ToolUseAsync(http, model, "Bash", new { command = $"cat {target} > attempt.txt 2>&1; echo exit=$? >> attempt.txt", description = "Read it" });
                return;
            case "read-other":
                await TextAsync(http, model, "Tried.");
                return;
            case "loop":
                await ToolUseAsync(http, model, "Bash", new { command = $"echo turn {turn}", description = "Again" });
                return;
            case "slow-tool" when turn == 0:
                await ToolUseAsync(http, model, "Bash", new { command = "sleep 2; echo slept", description = "Take a while" });
                return;
            case "slow-tool":
                await TextAsync(http, model, "Slept well.");
                return;
            default:
                await TextAsync(http, model, scenario is null ? "ok" : AnswerText);
                return;
        }
    }

    private static string? ScenarioOf(JsonNode body)
    {
        var text = FirstUserText(body);
        var at = text.IndexOf("e2e:", StringComparison.Ordinal);
        return at < 0 ? null : new string(text[(at + 4)..].TakeWhile(c => char.IsLetterOrDigit(c) || c == '-').ToArray());
    }

    private static string FirstUserText(JsonNode body)
    {
        var first = body["messages"]?.AsArray().FirstOrDefault(m => m?["role"]?.GetValue<string>() == "user");
        return first?["content"] switch
        {
            JsonValue value => value.GetValue<string>(),
            JsonArray blocks => string.Join("\n", blocks.Select(b => b?["text"]?.GetValue<string>()).OfType<string>()),
            _ => "",
        };
    }

    private static Task TextAsync(HttpContext http, string model, string text) => StreamAsync(http, model, "end_turn",
        new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } },
        new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text } },
        new { type = "content_block_stop", index = 0 });

    private static Task ToolUseAsync(HttpContext http, string model, string tool, object input) => StreamAsync(http, model, "tool_use",
        new { type = "content_block_start", index = 0, content_block = new { type = "tool_use", id = "toolu_" + Guid.NewGuid().ToString("N")[..12], name = tool, input = new { } } },
        new { type = "content_block_delta", index = 0, delta = new { type = "input_json_delta", partial_json = JsonSerializer.Serialize(input) } },
        new { type = "content_block_stop", index = 0 });

    private static async Task StreamAsync(HttpContext http, string model, string stopReason, params object[] blocks)
    {
        http.Response.ContentType = "text/event-stream";
        var events = new List<object>
        {
            new
            {
                type = "message_start",
                message = new
                {
                    id = "msg_" + Guid.NewGuid().ToString("N")[..12], type = "message", role = "assistant", model, content = Array.Empty<object>(),
                    stop_reason = (string?)null, stop_sequence = (string?)null,
                    usage = new { input_tokens = 10, output_tokens = 1, cache_creation_input_tokens = 0, cache_read_input_tokens = 0 },
                },
            },
        };
        events.AddRange(blocks);
        events.Add(new { type = "message_delta", delta = new { stop_reason = stopReason, stop_sequence = (string?)null }, usage = new { output_tokens = 5 } });
        events.Add(new { type = "message_stop" });

        var text = new StringBuilder();
        foreach (var e in events)
        {
            var json = JsonSerializer.Serialize(e);
            text.Append("event: ").Append(JsonNode.Parse(json)!["type"]!.GetValue<string>()).Append("\ndata: ").Append(json).Append("\n\n");
        }

        await http.Response.WriteAsync(text.ToString());
    }

    private static async Task ErrorAsync(HttpContext http, int status, string type, string message)
    {
        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(new { type = "error", error = new { type, message } });
    }
}
