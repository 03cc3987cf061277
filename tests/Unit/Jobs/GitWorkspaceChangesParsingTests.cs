using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>How git's <c>-z</c> summaries become the stat, and how a long diff is cut.</summary>
public sealed class GitWorkspaceChangesParsingTests
{
    [Fact]
    public void Name_status_and_numstat_make_one_entry_per_file_with_renames_and_binaries()
    {
        var output = string.Join('\0',
            ":100644 100644 d00491f 0000000 M", "src/a.cs", ":000000 100644 0000000 0000000 A", "new file.txt",
            ":100644 000000 1a2b3c4 0000000 D", "gone.md", ":100644 100644 0cfbf08 0cfbf08 R087", "old/name.cs", "new/name.cs",
            ":000000 100644 0000000 0000000 A", "logo.png",
            "3\t1\tsrc/a.cs", "2\t0\tnew file.txt", "0\t7\tgone.md", "1\t1\t", "old/name.cs", "new/name.cs", "-\t-\tlogo.png", "");

        var stat = GitWorkspaceChanges.Parse("base", output);

        stat.IsSuccess.ShouldBeTrue();
        stat.Value.Files.ShouldBe([
            new FileChange("src/a.cs", "modified", 3, 1, false),
            new FileChange("new file.txt", "added", 2, 0, false),
            new FileChange("gone.md", "deleted", 0, 7, false),
            new FileChange("new/name.cs", "renamed", 1, 1, false, "old/name.cs"),
            new FileChange("logo.png", "added", 0, 0, true),
        ]);
        (stat.Value.Additions, stat.Value.Deletions, stat.Value.BaseCommit).ShouldBe((6, 9, "base"));
        stat.Value.Summary.ShouldBe(new JobChanges(5, 6, 9));
    }

    [Fact]
    public void No_changes_is_an_empty_stat()
    {
        var stat = GitWorkspaceChanges.Parse("base", "");

        stat.Value.Files.ShouldBeEmpty();
        stat.Value.Summary.ShouldBe(new JobChanges(0, 0, 0));
    }

    [Fact]
    public void A_summary_cut_short_is_an_error_not_a_guess()
    {
        GitWorkspaceChanges.Parse("base", ":100644 100644 0cfbf08 0cfbf08 R100\0only-old").Error!.Code.ShouldBe("diff-failed");
    }

    [Fact]
    public void A_diff_over_the_limit_is_cut_after_a_whole_line_counted_in_utf8_bytes()
    {
        var text = "line one\nlïne two\nline three\n";

        GitWorkspaceChanges.Cut(text, 1024).ShouldBe(new WorkspaceDiff(text, false));
        // "line one\n" is 9 bytes, "lïne two\n" 10 (ï is two bytes): 18 bytes hold only the first line.
        GitWorkspaceChanges.Cut(text, 18).ShouldBe(new WorkspaceDiff("line one\n", true));
        GitWorkspaceChanges.Cut(text, 19).ShouldBe(new WorkspaceDiff("line one\nlïne two\n", true));
    }
}
