using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli;
using ClaudeBatch.Cli.Commands;
using ClaudeBatch.Cli.Http;
using ClaudeBatch.Cli.Rendering;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Cli;

public sealed class RenderingTests
{
    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("2h", 7200)]
    [InlineData("1h30m", 5400)]
    [InlineData("1h0m5s", 3605)]
    public void Durations_read_as_people_write_them(string text, int seconds) => Durations.ParseSeconds(text).ShouldBe(seconds);

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("5x")]
    [InlineData("-5m")]
    [InlineData("0")]
    [InlineData("30m2h")]
    [InlineData("999999999h")]
    public void A_duration_that_is_not_one_is_a_usage_error(string text) =>
        Should.Throw<CliFailure>(() => Durations.ParseSeconds(text)).ExitCode.ShouldBe(ExitCodes.Usage);

    [Fact]
    public void A_prefix_names_one_job_or_says_why_not()
    {
        JobIds.Choose("3f", ["3f2a0000-0000-0000-0000-000000000000"]).ShouldStartWith("3f2a");
        Should.Throw<CliFailure>(() => JobIds.Choose("3f", [])).Message.ShouldBe("No job of yours starts with '3f'.");
        var ambiguous = Should.Throw<CliFailure>(() => JobIds.Choose("3", ["3f2a0000-0000-0000-0000-000000000000", "3a000000-0000-0000-0000-000000000000"]));
        ambiguous.ExitCode.ShouldBe(ExitCodes.Failed);
        ambiguous.Message.ShouldContain("'3' is ambiguous: 2 jobs start with it (3f2a0000-0000, 3a000000-0000)");
    }

    [Fact]
    public void A_problem_reads_as_its_title_detail_and_field_errors_and_anything_else_as_the_status()
    {
        ProblemText.From(409, "Conflict", """{"title":"Job not finished","detail":"It is running.","status":409}""")
            .ShouldBe("Job not finished: It is running. (HTTP 409)");
        ProblemText.From(400, "Bad Request", """{"title":"One or more validation errors occurred.","errors":{"Prompt":["'Prompt' must not be empty."]}}""")
            .ShouldBe("One or more validation errors occurred. 'Prompt' must not be empty. (HTTP 400)");
        ProblemText.From(502, "Bad Gateway", "<html>nginx</html>").ShouldBe("Bad Gateway (HTTP 502)");
    }

    [Fact]
    public void The_transcript_shows_text_tool_steps_and_status_changes_and_escapes_what_the_agent_wrote()
    {
        var console = new CliTestConsole();
        var transcript = new Transcript(console.Console, json: false);

        transcript.Show(Event(5, "message", "AgentSaid", "running", """{"text":"Looking [bold]around[/]."}"""));
        transcript.Show(Event(6, "message", "AgentToolUsed", "running", """{"tool":"Bash","summary":"ls -la"}"""));
        transcript.Show(Event(7, "message", "AgentToolReturned", "running", """{"isError":false,"summary":"README.md\nsrc"}"""));
        transcript.Show(Event(8, "status", "JobCompleted", "completed", "{}"));
        transcript.Show(Event(3, "step", "WorkspacePrepared", "queued", "{}"));

        console.Output.ToString().ShouldBe("""
            Looking [bold]around[/].
            ● Bash ls -la
              ⎿ README.md
            — completed (job completed)
            · workspace prepared

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void With_json_each_event_is_one_line_of_json()
    {
        var console = new CliTestConsole();
        new Transcript(console.Console, json: true).Show(Event(5, "message", "AgentSaid", "running", """{"text":"hi"}"""));

        JsonDocument.Parse(console.Output.ToString()).RootElement.GetProperty("data").GetProperty("text").GetString().ShouldBe("hi");
    }

    [Fact]
    public void A_diff_is_coloured_only_on_a_terminal()
    {
        const string diff = "diff --git a/x b/x\n@@ -1 +1 @@\n-old\n+new\n";
        var plain = new CliTestConsole();
        DiffColours.Write(plain.Console, diff);
        plain.Output.ToString().ShouldBe(diff);

        var coloured = new CliTestConsole(colour: true);
        DiffColours.Write(coloured.Console, diff);
        coloured.Output.ToString().ShouldContain("\u001b[");
        coloured.Output.ToString().ShouldContain("+new");
    }

    [Fact]
    public void Values_read_well()
    {
        Formats.Money(0.0123m).ShouldBe("$0.0123");
        Formats.Money(null).ShouldBe("—");
        Formats.Changes(new JobChanges(1, 3, 0)).ShouldBe("1 file +3 −0");
        Formats.Status(JobStatus.GitPulling).ShouldBe("git_pulling");
        Formats.Duration(TimeSpan.FromSeconds(75)).ShouldBe("1m15s");
        Formats.Excerpt("first line that is long\nsecond", 10).ShouldBe("first lin…");
    }

    private static JobStreamEvent Event(long id, string kind, string type, string status, string data) =>
        new(id, kind, JsonDocument.Parse($$"""{"id":{{id}},"type":"{{type}}","status":"{{status}}","data":{{data}}}""").RootElement);
}
