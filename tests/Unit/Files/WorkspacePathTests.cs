using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Unit.Tests.Files;

public sealed class WorkspacePathTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("/", "")]
    [InlineData(".", "")]
    [InlineData("src", "src")]
    [InlineData("src/main.py", "src/main.py")]
    [InlineData("src//./main.py", "src/main.py")]
    [InlineData("src/", "src")]
    [InlineData("my file%20x.txt", "my file%20x.txt")]
    public void Relative_paths_are_split_into_segments(string? input, string relative) =>
        WorkspacePath.Parse(input).Value!.Relative.ShouldBe(relative);

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("~/x")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("src/../../x")]
    [InlineData("a\\b")]
    [InlineData("..%2fx")]
    [InlineData("%2e%2e/x")]
    [InlineData("a%5cb")]
    [InlineData("a%00b")]
    [InlineData("a\nb")]
    public void Paths_that_could_leave_the_workspace_are_refused(string input) =>
        WorkspacePath.Parse(input).Error!.Code.ShouldBe("invalid-path");
}
