using ClaudeBatch.Application.Common;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// Master clones are per node: a repository registered (and cloned) on one node has no master on another until a job
/// needs it there. Then it is cloned as registration clones, from the registration's source with its credentials, in a
/// private folder, and published under the repository's exclusive lock unless another job on this node did it first
/// (or the repository was unregistered meanwhile). No fact is stored: the repository's view describes its registration,
/// not each node's copy.
/// </summary>
/// <returns>Null when this node has the master (now); otherwise why it could not be made.</returns>
public sealed record EnsureMasterClone(string Name) : ICommand<string?>
{
    public sealed class Handler(IEventStoreFactory stores, IRepositoryLock locks, IMasterClones clones, ISecretProtector secrets)
        : ICommandHandler<EnsureMasterClone, string?>
    {
        public async ValueTask<string?> Handle(EnsureMasterClone command, CancellationToken cancellationToken)
        {
            var name = command.Name;
            if (clones.Exists(name))
            {
                return null;
            }

            await using var store = stores.Open();
            var repository = await store.LoadRepositoryAsync(name, cancellationToken);
            if (!repository.IsRegistered)
            {
                return $"Repository '{name}' is no longer registered.";
            }

            var prepared = await clones.CloneAsync(name, secrets.SourceOf(repository), cancellationToken);
            if (!prepared.IsSuccess)
            {
                return $"This node has no copy of repository '{name}' yet, and cloning it failed: {prepared.Error.Message}";
            }

            await using (await locks.AcquireExclusiveAsync(name, cancellationToken))
            {
                if (clones.Exists(name) || !(await store.LoadRepositoryAsync(name, cancellationToken)).IsRegistered)
                {
                    await clones.DiscardAsync(prepared.Value, cancellationToken);
                    return clones.Exists(name) ? null : $"Repository '{name}' is no longer registered.";
                }

                await clones.PublishAsync(prepared.Value, cancellationToken);
                return null;
            }
        }
    }
}
