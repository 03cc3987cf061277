using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Ends a clone that broke unexpectedly as <c>failed</c>, unless it already ended.</summary>
public sealed record RecordCloneFailure(string Name, string Reason)
{
    public sealed class Handler(IEventStore store, IRepositoryLock locks, TimeProvider clock)
    {
        public async Task Handle(RecordCloneFailure command, CancellationToken cancellationToken)
        {
            await using (await locks.AcquireExclusiveAsync(command.Name, cancellationToken))
            {
                var repository = await store.LoadRepositoryAsync(command.Name, cancellationToken);
                if (repository.AcceptsCloneResult)
                {
                    store.AppendExpecting(RepositoryStream.For(command.Name), repository.Version,
                        new RepositoryCloneFailed(command.Name, command.Reason, clock.GetUtcNow()));
                    await store.SaveChangesAsync(cancellationToken);
                }
            }
        }
    }
}
