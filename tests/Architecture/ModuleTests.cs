using System.Reflection;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using NetArchTest.Rules;

namespace ClaudeBatch.Architecture.Tests;

public sealed class ModuleTests
{
    private static readonly Assembly Domain = typeof(DomainError).Assembly;
    private static readonly Assembly Application = typeof(IEventStore).Assembly;

    public static TheoryData<string> ApplicationModules => [.. ModuleRules.Modules(Application)];

    public static TheoryData<string> DomainModules => [.. ModuleRules.Modules(Domain)];

    [Fact]
    public void The_modules_are_the_ones_the_design_names()
    {
        // Files is part of Jobs (DESIGN.md §2: "Jobs (with files, pipeline, agent)").
        ModuleRules.Modules(Application).ShouldBe(["CodeIndex", "Identity", "Jobs", "Repositories", "Webhooks", "Workspaces"]);
        ModuleRules.Modules(Domain).ShouldBe(["Identity", "Jobs", "Repositories", "Webhooks"]);
    }

    [Theory]
    [MemberData(nameof(ApplicationModules))]
    public void An_application_module_uses_only_other_modules_contracts(string module)
    {
        ModuleRules.TypesOf(Application, module).GetTypes().ShouldNotBeEmpty();
        ShouldPass(ModuleRules.UsesOnlyContracts(ModuleRules.TypesOf(Application, module), module, Domain, Application), module, Application);
    }

    [Theory]
    [MemberData(nameof(DomainModules))]
    public void A_domain_module_uses_only_other_modules_contracts(string module)
    {
        ModuleRules.TypesOf(Domain, module).GetTypes().ShouldNotBeEmpty();
        ShouldPass(ModuleRules.UsesOnlyContracts(ModuleRules.TypesOf(Domain, module), module, Domain), module, Domain);
    }

    [Fact]
    public void Handlers_validators_services_helpers_and_aggregates_are_internals_and_ports_messages_results_and_views_are_contracts()
    {
        // Internals: what only its own module may use.
        ModuleRules.IsInternal(typeof(Application.Repositories.PullRepository.Handler)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Application.Repositories.RegisterRepository.Validator)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Application.Repositories.RepositoryLoading)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Application.Repositories.MasterIndexing)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Application.Jobs.JobPipeline)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Application.Jobs.JobJournal)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Domain.Repositories.Repository)).ShouldBeTrue();
        ModuleRules.IsInternal(typeof(Domain.Jobs.Job)).ShouldBeTrue();

        // Contracts: what any module may use.
        ModuleRules.IsInternal(typeof(Application.Repositories.PullRepository)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Application.Repositories.PullOutcome)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Application.Repositories.IRepositoryLock)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Application.Repositories.RepositoryView)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Application.Repositories.RepositoriesOptions)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Application.CodeIndex.ICodeIndex)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Application.CodeIndex.CodeIndexResult)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Domain.Repositories.RepositoryPulled)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(Domain.Repositories.GitSource)).ShouldBeFalse();

        // The shared kernel belongs to no module.
        ModuleRules.IsInternal(typeof(ValidationBehavior<,>)).ShouldBeFalse();
        ModuleRules.IsInternal(typeof(IEventStore)).ShouldBeFalse();
    }

    private static void ShouldPass(TestResult result, string module, Assembly layer)
    {
        if (result.IsSuccessful)
        {
            return;
        }

        // Which internals each offender uses, so the message says what to change.
        var offenders = result.FailingTypeNames ?? [];
        var uses = ModuleRules.InternalsOutside(module, Domain, Application).SelectMany(i =>
            ModuleRules.TypesOf(layer, module).ShouldNot().HaveDependencyOn(i).GetResult().FailingTypeNames?.Select(o => (o, i)) ?? []);
        var offences = offenders.Select(o => o + " → " + string.Join(", ", uses.Where(u => u.o == o).Select(u => u.i)));
        result.IsSuccessful.ShouldBeTrue($"{module} uses other modules' internals: " + string.Join("; ", offences));
    }
}
