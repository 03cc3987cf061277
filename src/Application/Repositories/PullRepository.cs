using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// Fast-forwards a repository's master clone before a job copies it. Under the repository's exclusive lock (no copy
/// reads the master meanwhile): pull, record <see cref="RepositoryPulled"/>, and after a pull that changed a cidxAware
/// master, re-index it (<see cref="RepositoryIndexStarted"/> … <see cref="RepositoryIndexed"/>). The repository's facts
/// are stored in a unit of work of their own, before the lock is let go and whatever the caller's own unit of work
/// does: while the database is away they are kept and stored once it answers again.
/// </summary>
/// <returns>The commit pulled and whether it moved, why the pull failed, or that the master is no git repository.</returns>
public sealed record PullRepository(string Name) : ICommand<PullOutcome>
{
    public static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(4);

    public sealed class Handler(
        IEventStoreFactory stores, IRepositoryLock locks, IGitClient git, IMasterClones clones, ISecretProtector secrets,
        ICodeIndex codeIndex, TimeProvider clock)
        : ICommandHandler<PullRepository, PullOutcome>
    {
        public async ValueTask<PullOutcome> Handle(PullRepository command, CancellationToken cancellationToken)
        {
            var name = command.Name;
            var stream = RepositoryStream.For(name);
            await using var store = stores.Open();
            await using (await locks.AcquireExclusiveAsync(name, cancellationToken))
            {
                var repository = await store.LoadRepositoryAsync(name, cancellationToken);
                if (!repository.IsRegistered)
                {
                    return new PullOutcome(PullStatus.Failed, null, false, $"Repository '{name}' is no longer registered.");
                }

                var outcome = await git.FastForwardAsync(clones.PathFor(name), secrets.SourceOf(repository), cancellationToken);
                if (outcome is { Status: PullStatus.Failed })
                {
                    // The repository's view says why its master is behind, whoever pulled.
                    await StoreAsync(store, stream, [new RepositoryPullFailed(name, outcome.Reason ?? "git pull failed.", clock.GetUtcNow())], cancellationToken);
                    return outcome;
                }

                if (outcome is not { Status: PullStatus.Pulled, CommitHash: { } pulled })
                {
                    return outcome;
                }

                var recorded = new RepositoryPulled(name, pulled, outcome.Changed, clock.GetUtcNow());
                if (outcome.Changed && repository.CidxAware)
                {
                    await StoreAsync(store, stream, [recorded, new RepositoryIndexStarted(name, clock.GetUtcNow())], cancellationToken);
                    await StoreAsync(store, stream, [await MasterIndexing.IndexAsync(codeIndex, clones, name, clock, cancellationToken)], cancellationToken);
                }
                else
                {
                    await StoreAsync(store, stream, [recorded], cancellationToken);
                }

                return outcome;
            }
        }

        /// <summary>Appends and commits; while the database is unreachable, tries again (the master has moved: the fact must be kept).</summary>
        private async Task StoreAsync(IEventStore store, string stream, object[] events, CancellationToken cancellationToken)
        {
            for (var pause = FirstRetryPause; ; pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks)))
            {
                store.Append(stream, events);
                try
                {
                    // A fact about the master must be stored even while the job that pulled is being cancelled.
                    await store.SaveChangesAsync(CancellationToken.None);
                    return;
                }
                catch (StoreUnavailableException)
                {
                    await Task.Delay(pause, clock, cancellationToken);
                }
            }
        }
    }
}
