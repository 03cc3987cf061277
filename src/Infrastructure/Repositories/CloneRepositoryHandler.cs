using ClaudeBatch.Application.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wolverine.Runtime.Handlers;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// Wolverine delivers the durable <see cref="CloneRepository"/> message; the use case does the work in a scope of
/// its own. An unexpected fault is recorded as a failed clone, so no repository stays <c>cloning</c> forever.
/// </summary>
public static class CloneRepositoryHandler
{
    /// <summary>A large clone may take far longer than Wolverine's default 60 s handler timeout.</summary>
    public static void Configure(HandlerChain chain) => chain.ExecutionTimeoutInSeconds = 6 * 60 * 60;

    public static async Task Handle(
        CloneRepository message, IServiceScopeFactory scopes, ILogger<CloneRepository> logger, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<CloneRepository.Handler>().Handle(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Cloning {Repository} failed unexpectedly", message.Name);
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RecordCloneFailure.Handler>().Handle(
                new RecordCloneFailure(message.Name, "The server failed while cloning; see its log."), cancellationToken);
        }
    }
}
