using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// Indexing a cidxAware repository's master clone, after its clone and after a pull that changed it. The caller holds
/// the repository's lock and has stored <see cref="RepositoryIndexStarted"/>; this indexes and appends
/// <see cref="RepositoryIndexed"/>, which the caller commits.
/// </summary>
public static class MasterIndexing
{
    public static async Task IndexAsync(
        IEventStore store, ICodeIndex codeIndex, IMasterClones clones, string name, TimeProvider clock, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var index = await codeIndex.IndexMasterAsync(clones.PathFor(name), cancellationToken);
        var now = clock.GetUtcNow();
        store.Append(RepositoryStream.For(name), new RepositoryIndexed(name, index.Ready, index.Reason, (now - started).TotalMilliseconds, now));
    }
}
