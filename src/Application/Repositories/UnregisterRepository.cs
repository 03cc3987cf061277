using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Removes a repository's master clone (under its lock) and records who did it.</summary>
public sealed record UnregisterRepository(string Name, string User, bool Force) : ICommand<Result<UnregisterRepository.Response>>
{
    public sealed record Response(bool Success, bool Removed, string Message);

    public sealed class Validator : AbstractValidator<UnregisterRepository>
    {
        public Validator() => RuleFor(x => x.Name).MustBeARepositoryName();
    }

    public sealed class Handler(
        IEventStore store, IMasterClones clones, IRepositoryLock locks, IAccountDirectory accounts,
        IActiveJobs activeJobs, TimeProvider clock)
        : ICommandHandler<UnregisterRepository, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(UnregisterRepository command, CancellationToken cancellationToken)
        {
            // A clone in flight is stopped first, so the lock below is not held up by it.
            var repository = await store.LoadRepositoryAsync(command.Name, cancellationToken);
            if (repository.IsRegistered && repository.CloneStatus == CloneStatus.Cloning)
            {
                clones.CancelClone(command.Name);
            }

            await using (await locks.AcquireExclusiveAsync(command.Name, cancellationToken))
            {
                repository = await store.LoadRepositoryAsync(command.Name, cancellationToken);
                var decision = repository.Unregister(
                    command.User,
                    await accounts.IsAdministratorAsync(command.User, cancellationToken),
                    await activeJobs.CountUsingAsync(command.Name, cancellationToken),
                    command.Force,
                    clock.GetUtcNow());
                if (!decision.IsSuccess)
                {
                    return decision.Error;
                }

                await clones.RemoveAsync(command.Name, cancellationToken);
                store.AppendExpecting(RepositoryStream.For(command.Name), repository.Version, decision.Value);
                await store.SaveChangesAsync(cancellationToken);
            }

            return new Response(true, true, $"Repository '{command.Name}' was removed.");
        }
    }
}
