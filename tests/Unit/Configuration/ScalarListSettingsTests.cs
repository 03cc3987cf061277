using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Infrastructure.Configuration;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Infrastructure.Jobs;
using Microsoft.Extensions.Configuration;

namespace ClaudeBatch.Unit.Tests.Configuration;

/// <summary>
/// A list given one plain value (<c>Repositories__AllowedLocalRoots=/srv/git</c>) is ignored by the configuration
/// binder; the server names it, and the form that works, instead of starting without it.
/// </summary>
public sealed class ScalarListSettingsTests
{
    private static IConfiguration Settings(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build();

    [Fact]
    public void A_list_given_one_value_is_named_with_the_indexed_form()
    {
        var found = ScalarListSettings.Find(Settings(("Repositories:AllowedLocalRoots", "/srv/git")), "Repositories", typeof(RepositoriesOptions));

        found.ShouldHaveSingleItem().ShouldContain("Repositories:AllowedLocalRoots is a list");
        found[0].ShouldContain("Repositories__AllowedLocalRoots__0=");
    }

    [Fact]
    public void The_binder_really_ignores_a_list_given_one_value()
    {
        // Why the check exists: were the binder to accept it as one item, this test fails and the check could go.
        var bound = Settings(("Repositories:AllowedLocalRoots", "/srv/git")).GetSection("Repositories").Get<RepositoriesOptions>() ?? new();

        bound.AllowedLocalRoots.ShouldBeEmpty();
    }

    [Fact]
    public void A_list_given_as_items_or_left_empty_is_fine()
    {
        ScalarListSettings.Find(Settings(("Repositories:AllowedLocalRoots:0", "/srv/git"), ("Repositories:AllowedLocalRoots:1", "/srv/other")),
            "Repositories", typeof(RepositoriesOptions)).ShouldBeEmpty();
        ScalarListSettings.Find(Settings(("Repositories:AllowedLocalRoots", "")), "Repositories", typeof(RepositoriesOptions)).ShouldBeEmpty();
        ScalarListSettings.Find(Settings(("Repositories:AllowLocalSources", "true")), "Repositories", typeof(RepositoriesOptions)).ShouldBeEmpty();
    }

    [Fact]
    public void Every_list_of_a_section_is_checked()
    {
        var found = ScalarListSettings.Find(Settings(("Http:KnownProxies", "10.0.0.1"), ("Http:KnownNetworks", "10.0.0.0/8")), "Http", typeof(HttpOptions));

        found.Count.ShouldBe(2);
        found.ShouldContain(f => f.StartsWith("Http:KnownProxies is a list"));
        found.ShouldContain(f => f.StartsWith("Http:KnownNetworks is a list"));
    }

    [Fact]
    public void A_set_of_names_and_values_given_one_value_is_named_with_the_named_form()
    {
        var found = ScalarListSettings.Find(Settings(("Claude:Environment", "ANTHROPIC_API_KEY=sk-test")), "Claude", typeof(ClaudeOptions));

        found.ShouldHaveSingleItem().ShouldContain("Claude__Environment__NAME=value");
        found[0].ShouldNotContain("sk-test", customMessage: "a value given may be a secret");
    }

    [Fact]
    public void Nested_options_are_walked_and_plain_values_left_alone()
    {
        ScalarListSettings.Find(Settings(("Auth:LoginRateLimit:WindowSeconds", "60"), ("Auth:ShadowFilePath", "/etc/shadow")),
            "Auth", typeof(AuthOptions)).ShouldBeEmpty();
    }
}
