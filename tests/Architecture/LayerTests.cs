using System.Reflection;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Infrastructure.Configuration;
using NetArchTest.Rules;

namespace ClaudeBatch.Architecture.Tests;

public sealed class LayerTests
{
    private static readonly Assembly Domain = typeof(DomainError).Assembly;
    private static readonly Assembly Application = typeof(IEventStore).Assembly;
    private static readonly Assembly Infrastructure = typeof(HomePath).Assembly;
    private static readonly Assembly Api = typeof(ProblemTypes).Assembly;
    private static readonly Assembly Cli = typeof(ClaudeBatch.Cli.Cbs).Assembly;

    [Fact]
    public void The_layers_are_the_assemblies_the_design_names()
    {
        Domain.GetName().Name.ShouldBe("ClaudeBatch.Domain");
        Application.GetName().Name.ShouldBe("ClaudeBatch.Application");
        Infrastructure.GetName().Name.ShouldBe("ClaudeBatch.Infrastructure");
        Api.GetName().Name.ShouldBe("ClaudeBatch.Api");
    }

    [Fact]
    public void Domain_references_nothing_beyond_the_base_class_library()
    {
        LayerRules.ForbiddenReferences(Domain).ShouldBeEmpty();
        ShouldPass(LayerRules.DomainIsPure(All(Domain)));
    }

    [Fact]
    public void Application_references_only_Domain_the_mediator_abstractions_and_FluentValidation()
    {
        LayerRules.ForbiddenReferences(Application, "ClaudeBatch.Domain", "Mediator", "FluentValidation").ShouldBeEmpty();
        ShouldPass(LayerRules.ApplicationTouchesNoIo(All(Application)));
    }

    [Fact]
    public void Application_uses_no_IQueryable() => ShouldPass(LayerRules.ApplicationUsesNoIQueryable(All(Application)));

    [Fact]
    public void Infrastructure_does_not_reference_the_Api()
    {
        Infrastructure.GetReferencedAssemblies().Select(a => a.Name).ShouldNotContain("ClaudeBatch.Api");
        ShouldPass(LayerRules.InfrastructureDoesNotKnowTheApi(All(Infrastructure)));
    }

    [Fact]
    public void The_command_line_client_references_no_server_code_database_or_process_only_the_contracts()
    {
        Cli.GetName().Name.ShouldBe("ClaudeBatch.Cli");
        LayerRules.ForbiddenReferences(Cli, "ClaudeBatch.Domain", "ClaudeBatch.Application", "Spectre.Console", "Spectre.Console.Ansi").ShouldBeEmpty();
        Types.InAssembly(Cli).GetTypes().Count().ShouldBeGreaterThan(10);
        ShouldPass(LayerRules.CliSpeaksOnlyHttp(All(Cli)));
    }

    [Fact]
    public void The_rules_inspect_real_types_not_an_empty_set()
    {
        // A rule over zero types passes vacuously; make sure each layer actually has types to check.
        Types.InAssembly(Domain).GetTypes().Count().ShouldBeGreaterThan(3);
        Types.InAssembly(Application).GetTypes().Count().ShouldBeGreaterThan(3);
        Types.InAssembly(Infrastructure).GetTypes().Count().ShouldBeGreaterThan(3);
    }

    private static PredicateList All(Assembly assembly) => Types.InAssembly(assembly).That().HaveNameMatching(".*");

    private static void ShouldPass(TestResult result) =>
        result.IsSuccessful.ShouldBeTrue("Offending types: " + string.Join(", ", result.FailingTypeNames ?? []));
}
