using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;

namespace ClaudeBatch.Integration.Tests.Foundation;

/// <summary>
/// Wolverine's handler code is pre-generated into the Api assembly (src/Api/Internal/Generated), so the server never
/// loads Roslyn to compile it at run time (~150 MB and seconds at the first message). When a handler is added or its
/// message renamed, this fails until `codegen write` is run again (see README, "Regenerating handler code").
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PregeneratedCodeTests(ApiFactory api)
{
    [Fact]
    public void Every_handled_message_of_ours_uses_its_pre_generated_code()
    {
        var handlers = ((WolverineRuntime)api.Services.GetRequiredService<IWolverineRuntime>()).Handlers;
        var ours = handlers.Chains
            .Select(chain => chain.MessageType)
            .Where(type => type.Assembly.GetName().Name!.StartsWith("ClaudeBatch.", StringComparison.Ordinal))
            .ToList();

        // Discovered, not listed: the three background messages must be among them (and a new one is checked too).
        ours.ShouldContain(typeof(RunJob));
        ours.ShouldContain(typeof(CloneRepository));
        ours.ShouldContain(typeof(SweepExpiredWorkspaces));
        var compiledAtRunTime = ours
            .Select(message => (message, handler: handlers.HandlerFor(message)))
            .Where(h => h.handler is null
                || h.handler.GetType().Assembly != typeof(Program).Assembly
                || h.handler.GetType().Namespace != "Internal.Generated.WolverineHandlers")
            .Select(h => h.message.FullName)
            .ToList();
        compiledAtRunTime.ShouldBeEmpty("these handlers were not pre-generated (run `codegen write`)");
    }
}
