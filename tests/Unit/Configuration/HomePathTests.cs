using ClaudeBatch.Infrastructure.Configuration;

namespace ClaudeBatch.Unit.Tests.Configuration;

public sealed class HomePathTests
{
    private static readonly string Home = Environment.GetEnvironmentVariable("HOME")!;

    [Theory]
    [InlineData("~", "")]
    [InlineData("~/jobs", "jobs")]
    [InlineData("~/a/b", "a/b")]
    public void A_leading_tilde_is_the_home_directory(string path, string rest) =>
        HomePath.Expand(path).ShouldBe(rest.Length == 0 ? Home : Path.Combine(Home, rest));

    [Theory]
    [InlineData("/var/lib/claude-batch")]
    [InlineData("relative/~/x")]
    [InlineData("~other/x")]
    public void Other_paths_are_left_alone(string path) => HomePath.Expand(path).ShouldBe(path);
}
