using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Unit.Tests.Files;

public sealed class PromptPlaceholdersTests
{
    [Fact]
    public void Named_placeholders_of_uploaded_files_become_their_paths()
    {
        PromptPlaceholders.Resolve("Read {{a.csv}} then {{b.md}}", ["a.csv", "b.md"], [])
            .ShouldBe("Read files/a.csv then files/b.md");
    }

    [Fact]
    public void The_bare_filename_placeholder_lists_every_upload()
    {
        PromptPlaceholders.Resolve("Inputs: {{filename}}", ["a.csv", "b.md"], []).ShouldBe("Inputs: files/a.csv files/b.md");
    }

    [Fact]
    public void Unknown_placeholders_and_other_braces_are_left_alone()
    {
        PromptPlaceholders.Resolve("{{missing.txt}} {x} {{a/b}} {{{a.csv}}}", ["a.csv"], [])
            .ShouldBe("{{missing.txt}} {x} {{a/b}} {files/a.csv}");
    }

    [Fact]
    public void Images_are_named_at_the_end()
    {
        PromptPlaceholders.Resolve("Look", ["s.png"], ["s.png"]).ShouldEndWith("files/s.png");
        PromptPlaceholders.Resolve("Look", ["s.png"], []).ShouldBe("Look");
    }
}
