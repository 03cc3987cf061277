using System.Reflection;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Infrastructure.Configuration;
using NetArchTest.Rules;

namespace ClaudeBatch.Architecture.Tests;

/// <summary>A test of the tests: each layer rule, run over a deliberate violation, must fail and name it.</summary>
public sealed class RuleProofTests
{
    private static readonly Assembly Self = typeof(RuleProofTests).Assembly;
    private static readonly Assembly Domain = typeof(DomainError).Assembly;
    private static readonly Assembly Application = typeof(IEventStore).Assembly;

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
    [InlineData("UsesMarten", "QueriesTheDatabase")]
    [InlineData("KnowsTheApi", "ReachesIntoTheApi")]
    [InlineData("StartsAProcess", "RunsGitDirectly")]
    public void The_client_rule_catches_the_database_the_server_and_processes(string violation, string offender)
    {
        var result = LayerRules.CliSpeaksOnlyHttp(Violation(violation));

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

    [Fact]
    public void The_application_and_domain_rules_catch_the_file_system_but_not_paths_or_streams()
    {
        foreach (var result in (TestResult[])[
            LayerRules.ApplicationTouchesNoIo(Violation("TouchesTheFileSystem")), LayerRules.DomainIsPure(Violation("TouchesTheFileSystem"))])
        {
            result.IsSuccessful.ShouldBeFalse();
            var offenders = result.FailingTypeNames.Select(name => name.Split('.').Last()).Order().ToList();
            offenders.ShouldBe(["ListsAFolder", "OpensAFileStream", "ReadsAFileDirectly"]);
        }
    }

    [Fact]
    public void The_module_rule_catches_another_module_s_handler_helper_and_service()
    {
        var result = ModuleRules.UsesOnlyContracts(Violation("ReachesIntoAnotherModule"), "Identity", Domain, Application);

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.Select(name => name.Split('.').Last()).Order()
            .ShouldBe(["CallsAnotherModulesHandler", "RebuildsAnotherModulesAggregate", "UsesAnotherModulesService"]);
    }

    [Fact]
    public void The_module_rule_lets_a_module_use_another_s_commands_results_ports_views_events_and_name_rules()
    {
        ModuleRules.UsesOnlyContracts(Violation("UsesAnotherModulesContract"), "Jobs", Domain, Application).IsSuccessful.ShouldBeTrue();

        // The same types are the module's own business inside it: a rule over its own internals would be meaningless.
        ModuleRules.UsesOnlyContracts(Violation("ReachesIntoAnotherModule"), "Repositories", Domain, Application).FailingTypeNames
            .ShouldBe(["ClaudeBatch.Architecture.Tests.Violations.ReachesIntoAnotherModule.UsesAnotherModulesService"]);
    }

    [Fact]
    public void The_domain_module_rule_catches_another_module_s_aggregate()
    {
        var result = ModuleRules.UsesOnlyContracts(Violation("HoldsAnotherModulesAggregate"), "Jobs", Domain);

        result.IsSuccessful.ShouldBeFalse();
        result.FailingTypeNames.ShouldContain(name => name.EndsWith("JobWithItsRepository"));
        ModuleRules.UsesOnlyContracts(Violation("HoldsAnotherModulesAggregate"), "Repositories", Domain).IsSuccessful.ShouldBeTrue();
    }
}
