using ClaudeBatch.Application.Common;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// Master clones are per node: a repository registered (and cloned) on one node has no master on another until a job
/// needs it there. Then it is cloned as registration clones, from the registration's source with its credentials, in a
/// private folder, and published under the repository's exclusive lock unless another job on this node did it first
/// (or the repository was unregistered meanwhile). A master left from an earlier registration of the name (removed on
/// the node that unregistered it only) is another repository: it is replaced the same way. No fact is stored: the
/// repository's view describes its registration, not each node's copy.
/// </summary>
/// <returns>Null when this node has the master (now); otherwise why it could not be made.</returns>
public sealed record EnsureMasterClone(string Name) : ICommand<string?>
{
    /// <summary>What marks a master as cloned for the repository's current registration.</summary>
    public static string RegistrationOf(Domain.Repositories.Repository repository) =>
        repository.RegisteredAt.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public sealed class Handler(IEventStoreFactory stores, IRepositoryLock locks, IMasterClones clones, ISecretProtector secrets)
        : ICommandHandler<EnsureMasterClone, string?>
    {
        public async ValueTask<string?> Handle(EnsureMasterClone command, CancellationToken cancellationToken)
        {
            var name = command.Name;
            await using var store = stores.Open();
            var repository = await store.LoadRepositoryAsync(name, cancellationToken);
            if (!repository.IsRegistered)
            {
                return $"Repository '{name}' is no longer registered.";
            }

            var registration = RegistrationOf(repository);
            if (Current(name, registration))
            {
                return null;
            }

            var prepared = await clones.CloneAsync(name, secrets.SourceOf(repository), cancellationToken);
            if (!prepared.IsSuccess)
            {
                return $"Repository '{name}' had to be cloned on this node first, and the clone failed: {prepared.Error.Message}";
            }

            await using (await locks.AcquireExclusiveAsync(name, cancellationToken))
            {
                var now = await store.LoadRepositoryAsync(name, cancellationToken);
                if (Current(name, registration) || !now.IsRegistered || RegistrationOf(now) != registration)
                {
                    await clones.DiscardAsync(prepared.Value, cancellationToken);
                    return Current(name, registration) ? null : $"Repository '{name}' is no longer registered.";
                }

                await clones.PublishAsync(prepared.Value, cancellationToken);
                await clones.MarkAsync(name, registration, cancellationToken);
                return null;
            }
        }

        /// <summary>This node has a master of this registration (one from before registrations were marked counts as one).</summary>
        private bool Current(string name, string registration) =>
            clones.Exists(name) && (clones.RegistrationOf(name) ?? registration) == registration;
    }
}
