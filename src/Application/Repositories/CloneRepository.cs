using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// The background half of registration (a durable message, delivered by Wolverine's <c>CloneRepositoryHandler</c>,
/// which calls <see cref="Handler"/> directly): clone privately, then under the repository's lock
/// either publish the clone and record it, or record why it failed. Redelivery after a crash is harmless.
/// </summary>
public sealed record CloneRepository(string Name)
{
    public sealed class Handler(
        IEventStore store, IMasterClones clones, ISecretProtector secrets, IRepositoryLock locks, ICodeIndex codeIndex, TimeProvider clock)
    {
        public async Task Handle(CloneRepository command, CancellationToken cancellationToken)
        {
            var stream = RepositoryStream.For(command.Name);
            var before = await store.LoadRepositoryAsync(command.Name, cancellationToken);
            if (!before.AcceptsCloneResult)
            {
                return;
            }

            var prepared = await clones.CloneAsync(command.Name, secrets.SourceOf(before), cancellationToken);

            await using (await locks.AcquireExclusiveAsync(command.Name, cancellationToken))
            {
                var now = await store.LoadRepositoryAsync(command.Name, cancellationToken);
                if (!now.AcceptsCloneResult)
                {
                    // Unregistered (or finished by another delivery) while we were cloning.
                    if (prepared.IsSuccess)
                    {
                        await clones.DiscardAsync(prepared.Value, cancellationToken);
                    }

                    return;
                }

                if (prepared.IsSuccess)
                {
                    await clones.PublishAsync(prepared.Value, cancellationToken);
                    await clones.MarkAsync(command.Name, EnsureMasterClone.RegistrationOf(now), cancellationToken);
                    var r = prepared.Value.Result;
                    var cloned = new RepositoryCloned(
                        command.Name, r.Branch, r.CommitHash, r.CommitMessage, r.SizeBytes, r.FileCount, r.Milliseconds, clock.GetUtcNow());
                    if (now.CidxAware)
                    {
                        // Indexed once here, so each job's copy only reconciles what changed.
                        store.AppendExpecting(stream, now.Version, cloned, new RepositoryIndexStarted(command.Name, clock.GetUtcNow()));
                        await store.SaveChangesAsync(cancellationToken);
                        store.Append(stream, await MasterIndexing.IndexAsync(codeIndex, clones, command.Name, clock, cancellationToken));
                    }
                    else
                    {
                        store.AppendExpecting(stream, now.Version, cloned);
                    }
                }
                else
                {
                    store.AppendExpecting(stream, now.Version, new RepositoryCloneFailed(command.Name, prepared.Error.Message, clock.GetUtcNow()));
                }

                await store.SaveChangesAsync(cancellationToken);
            }
        }
    }
}
