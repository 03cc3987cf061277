using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>Against output captured from the real Claude Code CLI (Data/, copied from the reference samples).</summary>
public sealed class StreamJsonParserTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    [Fact]
    public void A_real_tool_run_yields_the_session_the_tool_use_the_text_and_the_result()
    {
        var messages = File.ReadAllLines(Data("claude-stream-json-tool-run.sample.jsonl")).SelectMany(StreamJsonParser.Parse).ToList();

        messages.OfType<SessionInit>().Single().ShouldBe(new SessionInit("bb9f7351-92e6-454d-9c69-532232a08172", "claude-opus-5-5"));
        var tool = messages.OfType<ToolUse>().Single();
        tool.Tool.ShouldBe("Write");
        tool.Summary.ShouldBe("/var/lib/claude-batch/jobs/3f2a9c/workspace/written.txt");
        messages.OfType<AssistantText>().Select(t => t.Text).ShouldContain("Wrote written.txt.");
        var returned = messages.OfType<ToolResult>().Single();
        returned.IsError.ShouldBeFalse();
        returned.Summary.ShouldStartWith("File created successfully at: /var/lib/claude-batch/jobs/3f2a9c/workspace/written.txt");
        messages.Select(m => m.GetType().Name).ShouldBe(["SessionInit", "ToolUse", "ToolResult", "AssistantText", "ResultLine"]);
        var result = messages.OfType<ResultLine>().Single();
        result.IsError.ShouldBeFalse();
        result.Subtype.ShouldBe("success");
        result.SessionId.ShouldBe("bb9f7351-92e6-454d-9c69-532232a08172");
        result.CostUsd.ShouldBe(0.10166m);
        result.NumTurns.ShouldNotBeNull();
        result.DurationMs.ShouldNotBeNull();
    }

    [Fact]
    public void A_failed_tool_result_given_as_text_blocks_is_an_error_summarized_on_one_line()
    {
        const string line = """{"type":"user","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","is_error":true,"content":[{"type":"text","text":"ls: cannot access 'x':\nNo such file"}]}]}}""";

        var returned = StreamJsonParser.Parse(line).OfType<ToolResult>().Single();

        returned.IsError.ShouldBeTrue();
        returned.Summary.ShouldBe("ls: cannot access 'x': No such file");
    }

    /// <summary>
    /// A long tool output is summarized from its start only; wherever that start is cut (inside an escape, a
    /// surrogate pair, a multi-byte character or a run of backslashes), the summary is the one the whole text gives.
    /// </summary>
    [Theory]
    [InlineData("é😀\\\"\n\r\n\u0001ab\t")]
    [InlineData("😀😀😀😀😀😀😀")]
    [InlineData("\\\\\\x")]
    [InlineData("\u0007\u001f€")]
    [InlineData("plain ascii words ")]
    public void A_long_tool_output_gives_the_same_summary_as_its_whole_text(string unit)
    {
        for (var padding = 0; padding < 24; padding++)
        {
            var text = new string('p', padding) + string.Concat(Enumerable.Repeat(unit, 40_000 / unit.Length));
            // Escaped as \uXXXX, and written as raw UTF-8 (as the CLI writes it).
            foreach (var (content, encoder) in new (object, System.Text.Encodings.Web.JavaScriptEncoder?)[]
                     {
                         (text, null), (new[] { new { type = "text", text } }, null),
                         (text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping),
                     })
            {
                var line = System.Text.Json.JsonSerializer.Serialize(
                    new
                    {
                        type = "user",
                        message = new { role = "user", content = new[] { new { tool_use_id = "t1", type = "tool_result", content } } },
                    },
                    new System.Text.Json.JsonSerializerOptions { Encoder = encoder });

                var summary = StreamJsonParser.Parse(line).OfType<ToolResult>().Single().Summary;

                var whole = text.ReplaceLineEndings(" ");
                summary.ShouldBe(whole[..StreamJsonParser.MaxSummaryLength] + "…", $"padding {padding}");
            }
        }
    }

    /// <summary>PostgreSQL cannot keep a NUL in an event: a tool that printed a binary file must not fail its job.</summary>
    [Fact]
    public void NUL_characters_in_an_agents_output_become_replacement_characters_and_an_escaped_backslash_stays()
    {
        const string tool = """{"type":"user","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","content":"ELF\u0000\u0000bin \\u0000 kept"}]}}""";
        const string text = """{"type":"assistant","message":{"content":[{"type":"text","text":"a\u0000b"}]}}""";

        StreamJsonParser.Parse(tool).OfType<ToolResult>().Single().Summary.ShouldBe("ELF\uFFFD\uFFFDbin \\u0000 kept");
        StreamJsonParser.Parse(text).OfType<AssistantText>().Single().Text.ShouldBe("a\uFFFDb");
    }

    [Fact]
    public void An_api_error_result_is_an_error_with_its_text()
    {
        var result = StreamJsonParser.Parse(File.ReadAllText(Data("claude-json-result-api-error.sample.json"))).OfType<ResultLine>().Single();

        result.IsError.ShouldBeTrue();
        result.Subtype.ShouldBe("success");
        result.Result.ShouldBe("Invalid API key · Fix external API key");
        result.NumTurns.ShouldBe(1);
    }

    [Fact]
    public void A_max_turns_result_keeps_its_subtype()
    {
        var result = StreamJsonParser.Parse(File.ReadAllText(Data("claude-json-result-max-turns.sample.json"))).OfType<ResultLine>().Single();

        result.Subtype.ShouldBe("error_max_turns");
    }

    [Fact]
    public void The_plain_success_sample_parses()
    {
        var result = StreamJsonParser.Parse(File.ReadAllText(Data("claude-json-result.sample.json"))).OfType<ResultLine>().Single();

        result.IsError.ShouldBeFalse();
        result.Result.ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"type\":\"user\"}")]
    [InlineData("{\"type\":\"assistant\",\"message\":{\"content\":\"text\"}}")]
    [InlineData("{\"type\":\"result\",\"num_turns\":\"x\"}")]
    public void Lines_it_does_not_understand_yield_nothing_or_a_partial_result_never_an_exception(string line) =>
        Should.NotThrow(() => StreamJsonParser.Parse(line).ToList()).Count.ShouldBeLessThanOrEqualTo(1);

    [Fact]
    public void A_long_tool_input_is_summarized_on_one_line_and_cut_short()
    {
        var command = "echo " + new string('x', 500) + "\nsecond line";
        var line = System.Text.Json.JsonSerializer.Serialize(new
        {
            type = "assistant",
            message = new { content = new[] { new { type = "tool_use", name = "Bash", input = new { command } } } },
        });

        var tool = StreamJsonParser.Parse(line).OfType<ToolUse>().Single();

        tool.Summary.Length.ShouldBe(StreamJsonParser.MaxSummaryLength + 1);
        tool.Summary.ShouldNotContain("\n");
    }
}
