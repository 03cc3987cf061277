using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// Indexing a cidxAware repository's master clone, after its clone and after a pull that changed it. The caller holds
/// the repository's exclusive lock and has stored <see cref="RepositoryIndexStarted"/>; this indexes and returns the
/// <see cref="RepositoryIndexed"/> the caller stores.
/// </summary>
public static class MasterIndexing
{
    public static async Task<RepositoryIndexed> IndexAsync(
        ICodeIndex codeIndex, IMasterClones clones, string name, TimeProvider clock, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var index = await codeIndex.IndexMasterAsync(clones.PathFor(name), cancellationToken);
        var now = clock.GetUtcNow();
        return new RepositoryIndexed(name, index.Ready, index.Reason, (now - started).TotalMilliseconds, now);
    }
}
