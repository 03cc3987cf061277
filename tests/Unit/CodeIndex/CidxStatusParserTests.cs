using ClaudeBatch.Infrastructure.CodeIndex;

namespace ClaudeBatch.Unit.Tests.CodeIndex;

public sealed class CidxStatusParserTests
{
    private static string Sample(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", name));

    [Fact]
    public void The_ready_sample_is_ready_with_its_rows_read_by_label()
    {
        var report = CidxStatusParser.Parse(Sample("cidx-status-ready.txt"));

        report.Ready.ShouldBeTrue();
        report.Row("Docker Services").ShouldBe(new CidxStatusRow("Docker Services", true, "✅ Running", "2 services"));
        report.Row("Voyage-Ai Provider")!.Ok.ShouldBeTrue();
        report.Row("Qdrant")!.Details.ShouldBe("Project: 1523 docs | Total: 4410 docs");
        report.Row("Index")!.Status.ShouldBe("✅ Available");
        report.Rows.Select(r => r.Component).ShouldNotContain("");
    }

    [Fact]
    public void Wrapped_continuation_rows_join_the_row_above()
    {
        var report = CidxStatusParser.Parse(Sample("cidx-status-ready.txt"));

        report.Row("Qdrant Storage")!.Details.ShouldBe("Host: /workspace/jobs/1234/repo/.code-indexer/qdrant");
        report.Row("Project Collection")!.Details.ShouldBe("Name: repo_voyage_code_3 Points: 1,523 | Storage: Global storage");
    }

    [Fact]
    public void The_stopped_sample_is_not_ready_and_says_which_rows_failed()
    {
        var report = CidxStatusParser.Parse(Sample("cidx-status-stopped.txt"));

        report.Ready.ShouldBeFalse();
        report.WhyNotReady().ShouldBe("Docker Services: ❌ Not Running; Qdrant: ❌ Container not running; Index: ❌ Not Found");
    }

    [Fact]
    public void The_not_configured_sample_is_not_ready_and_has_no_index_row()
    {
        var report = CidxStatusParser.Parse(Sample("cidx-status-not-configured.txt"));

        report.Ready.ShouldBeFalse();
        report.Row("Index").ShouldBeNull();
        report.WhyNotReady().ShouldContain("Docker Services: ❌ Not Configured");
        report.WhyNotReady().ShouldContain("Voyage-Ai Provider: ❌ Not Available");
    }

    [Fact]
    public void Services_up_but_one_required_row_failing_is_not_ready()
    {
        var text = Sample("cidx-status-ready.txt").Replace("│ Qdrant             │ ✅ Ready      │", "│ Qdrant             │ ❌ Not Available │");

        CidxStatusParser.Parse(text).Ready.ShouldBeFalse();
    }

    [Theory]
    // v8+: no containers and different rows; unknown rows do not decide, only an Index row that says ready does.
    [InlineData("│ Daemon             │ ✅ Running    │ pid 42          │\n│ Vector Store       │ ✅ Healthy    │ filesystem      │\n│ Index              │ ✅ Available  │ 1,204 files     │\n", true)]
    [InlineData("│ Daemon             │ ✅ Running    │ pid 42          │\n│ Vector Store       │ ✅ Healthy    │ filesystem      │\n", false)]
    [InlineData("│ Daemon             │ ✅ Running    │ pid 42          │\n│ Index              │ ❌ Not Found  │ run index       │\n", false)]
    [InlineData("❌ Failed to get status: boom\n", false)]
    [InlineData("", false)]
    public void Other_output_is_unknown_and_only_a_ready_index_row_makes_it_ready(string output, bool ready)
    {
        CidxStatusParser.Parse(output).Ready.ShouldBe(ready);
    }
}
