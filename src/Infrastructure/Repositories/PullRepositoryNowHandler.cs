using ClaudeBatch.Application.Repositories;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// Wolverine delivers a user's <see cref="PullRepositoryNow"/>; the pull (which records its own result on the repository's
/// stream, success or failure) runs in a scope of its own.
/// </summary>
public static class PullRepositoryNowHandler
{
    public static async Task Handle(PullRepositoryNow message, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ISender>().Send(new PullRepository(message.Name), cancellationToken);
    }
}
