using ClaudeBatch.Application.Repositories;

namespace ClaudeBatch.Unit.Tests.Repositories;

public sealed class RegisterRepositoryValidatorTests
{
    private static RegisterRepository Command(string name = "repo", string url = "https://host/x.git") =>
        new(name, url, "", false, "alice");

    [Fact]
    public void Local_sources_are_refused_when_they_are_disabled()
    {
        var validator = new RegisterRepository.Validator(new RepositoriesOptions { AllowLocalSources = false, AllowedLocalRoots = ["/srv/git"] });

        var result = validator.Validate(Command(url: "/srv/git/repo"));

        result.Errors.ShouldContain(e => e.PropertyName == "GitUrl" && e.ErrorMessage.Contains("AllowLocalSources"));
    }

    [Theory]
    [InlineData("/srv/git/repo", true)]
    [InlineData("/srv/git", true)]
    [InlineData("/srv/gitx/repo", false)]
    [InlineData("/srv/git/../secret", false)]
    [InlineData("/etc", false)]
    public void When_enabled_only_paths_inside_the_allowed_roots_are_accepted(string path, bool accepted)
    {
        var validator = new RegisterRepository.Validator(new RepositoriesOptions { AllowLocalSources = true, AllowedLocalRoots = ["/srv/git/"] });

        validator.Validate(Command(url: path)).IsValid.ShouldBe(accepted);
    }

    [Theory]
    [InlineData("repo")]
    [InlineData("my.repo_2-x")]
    [InlineData("9lives")]
    public void Good_names_pass(string name) =>
        new RegisterRepository.Validator(new RepositoriesOptions()).Validate(Command(name)).IsValid.ShouldBeTrue();
}
