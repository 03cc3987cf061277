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
    [Theory]
    [InlineData(typeof(RunJob))]
    [InlineData(typeof(CloneRepository))]
    [InlineData(typeof(SweepExpiredWorkspaces))]
    public void Every_background_handler_uses_its_pre_generated_code(Type message)
    {
        var runtime = api.Services.GetRequiredService<IWolverineRuntime>();

        var handler = ((WolverineRuntime)runtime).Handlers.HandlerFor(message);

        handler.ShouldNotBeNull();
        handler.GetType().Assembly.ShouldBe(typeof(Program).Assembly, $"the handler of {message.Name} was compiled at run time");
        handler.GetType().Namespace.ShouldBe("Internal.Generated.WolverineHandlers");
    }
}
