using System.Reflection;
using ClaudeBatch.Infrastructure.Configuration;
using NetArchTest.Rules;

namespace ClaudeBatch.Architecture.Tests;

/// <summary>A test of the tests: each layer rule, run over a deliberate violation, must fail and name it.</summary>
public sealed class RuleProofTests
{
    private static readonly Assembly Self = typeof(RuleProofTests).Assembly;

    private static PredicateList Violation(string name) =>
        Types.InAssembly(Self).That().ResideInNamespace($"ClaudeBatch.Architecture.Tests.Violations.{name}");

    [Theory]
    [InlineData("StartsAProcess", "RunsGitDirectly")]
    [InlineData("UsesMarten", "QueriesTheDatabase")]
    [InlineData("KnowsTheApi", "ReachesIntoTheApi")]
    public void The_application_rule_catches_io_and_outer_layers(string violation, string offender)
    {
        var result = LayerRules.ApplicationTouchesNoIo(Violation(violation));

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.ShouldContain(name => name.EndsWith(offender));
    }

    [Theory]
    [InlineData("UsesTheMediator", "DomainObjectThatIsACommand")]
    [InlineData("UsesMarten", "QueriesTheDatabase")]
    [InlineData("StartsAProcess", "RunsGitDirectly")]
    public void The_domain_rule_catches_any_package_or_io(string violation, string offender)
    {
        var result = LayerRules.DomainIsPure(Violation(violation));

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.ShouldContain(name => name.EndsWith(offender));
    }

    [Theory]
    [InlineData("TakesQueryShapes", "IQueriesByShape")]
    [InlineData("TakesQueryShapes", "FiltersAQueryable")]
    public void The_query_rule_catches_an_IQueryable_in_a_signature_or_a_body(string violation, string offender)
    {
        var result = LayerRules.ApplicationUsesNoIQueryable(Violation(violation));

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.ShouldContain(name => name.EndsWith(offender));
    }

    [Fact]
    public void The_infrastructure_rule_catches_a_reference_to_the_api()
    {
        var result = LayerRules.InfrastructureDoesNotKnowTheApi(Violation("KnowsTheApi"));

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.ShouldContain(name => name.EndsWith("ReachesIntoTheApi"));
    }

    [Fact]
    public void The_assembly_reference_rule_catches_a_layer_that_uses_packages()
    {
        // Infrastructure legitimately uses Marten and Wolverine: under the Domain's rule it must fail.
        var forbidden = LayerRules.ForbiddenReferences(typeof(HomePath).Assembly);

        forbidden.ShouldContain("Marten");
        forbidden.ShouldContain("ClaudeBatch.Application");
    }
}
