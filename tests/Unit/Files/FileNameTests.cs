using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Unit.Tests.Files;

public sealed class FileNameTests
{
    [Theory]
    [InlineData("data.csv")]
    [InlineData("screen shot (1).png")]
    [InlineData(".env")]
    [InlineData("a..b.txt")]
    [InlineData("ünïcödé.md")]
    public void Plain_names_are_kept_as_they_are(string name) => FileName.Validate(name).Value.ShouldBe(name);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../x")]
    [InlineData("..x")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("%2e%2e%2fx")]
    [InlineData("x%2Fy")]
    [InlineData("x%5cy")]
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    public void Names_that_are_paths_or_carry_control_characters_are_refused(string? name) =>
        FileName.Validate(name).IsSuccess.ShouldBeFalse();

    [Fact]
    public void The_limit_is_255_bytes_not_characters()
    {
        FileName.Validate(new string('a', 255)).IsSuccess.ShouldBeTrue();
        FileName.Validate(new string('a', 256)).IsSuccess.ShouldBeFalse();
        FileName.Validate(new string('é', 128)).IsSuccess.ShouldBeFalse(); // 256 bytes in UTF-8
    }
}
