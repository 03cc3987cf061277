using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// <c>POST /repositories/{name}/pull</c>: a failed clone is cloned again (<see cref="CloneRepository"/>), a cloned master
/// is fast-forwarded (<see cref="PullRepositoryNow"/>), in the background through the durable queue; the request and
/// the message are stored in one transaction.
/// </summary>
public sealed record RefreshRepository(string Name, string User) : ICommand<Result<RefreshRepository.Response>>
{
    /// <summary><see cref="Action"/> is <c>clone</c> or <c>pull</c>; follow the repository's view for the result.</summary>
    public sealed record Response(string Name, string Action, CloneStatus CloneStatus);

    public sealed class Handler(IEventStore store, TimeProvider clock) : ICommandHandler<RefreshRepository, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(RefreshRepository command, CancellationToken cancellationToken)
        {
            var repository = await store.LoadRepositoryAsync(command.Name, cancellationToken);
            var requested = repository.RequestRefresh(command.User, clock.GetUtcNow());
            if (!requested.IsSuccess)
            {
                return requested.Error;
            }

            store.AppendExpecting(RepositoryStream.For(command.Name), repository.Version, requested.Value);
            await store.EnqueueAsync(requested.Value.Reclone ? new CloneRepository(command.Name) : new PullRepositoryNow(command.Name));
            await store.SaveChangesAsync(cancellationToken);
            repository.Evolve(requested.Value);
            return new Response(command.Name, requested.Value.Reclone ? "clone" : "pull", repository.CloneStatus);
        }
    }
}

/// <summary>The durable message behind a user's pull: the master is fast-forwarded by <see cref="PullRepository"/>.</summary>
public sealed record PullRepositoryNow(string Name);
