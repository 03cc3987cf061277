using ClaudeBatch.Application.Jobs;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime.Handlers;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>Wolverine delivers <see cref="RunJob"/> from the durable "jobs" queue; the use case runs the pipeline.</summary>
public static class RunJobHandler
{
    public const string Queue = "jobs";

    /// <summary>The job's own timeout rules, not Wolverine's 60 s default (Jobs:TimeoutHours is at most 30 days).</summary>
    public static void Configure(HandlerChain chain) => chain.ExecutionTimeoutInSeconds = 31 * 24 * 60 * 60;

    public static async Task Handle(RunJob message, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(message, cancellationToken);
    }
}
