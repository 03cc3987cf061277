using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.Caching.Memory;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Pages of <c>GET /jobs</c> in memory, each with the revision of the list it was read at (issue #20): a page asked for
/// again while the list's revision is the same is answered without the database writing it again. An equal revision
/// means an equal page: it changes with every change to any of the user's jobs, with their kept count (the totals) and
/// with every place of their waiting jobs (<see cref="GetJobListRevision"/>), the query is the key, and a page and its revision are read in one snapshot
/// (<see cref="PostgresJobListJson"/>). So nothing needs to be told of changes: a page out of date is never asked for at
/// its revision again and is replaced by the next read of its query. Bounded by its pages' bytes (least recently used go
/// first when full); a page unread for <see cref="IdleLifetime"/> goes at the next look.
/// </summary>
internal sealed class JobListPageCache(long capacityBytes) : IDisposable
{
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(5);

    /// <summary>What an entry costs beyond its page: the key, the revision and the cache's bookkeeping.</summary>
    private const long EntryBytes = 300;

    private readonly MemoryCache? pages = capacityBytes > 0
        ? new MemoryCache(new MemoryCacheOptions { SizeLimit = capacityBytes, CompactionPercentage = 0.25 })
        : null;

    /// <summary>The page of <paramref name="query"/> if it was read at <paramref name="current"/>.</summary>
    public JobListPage? Find(ListJobs query, GetJobListRevision.Response current) =>
        pages is not null && pages.TryGetValue(KeyOf(query), out JobListPage? page) && page!.Revision == current ? page : null;

    /// <summary>Keeps <paramref name="page"/> as the page of <paramref name="query"/>, in place of any other.</summary>
    public void Keep(ListJobs query, JobListPage page)
    {
        var size = EntryBytes + page.Json.Length;
        if (pages is null || size > capacityBytes / 8)
        {
            return;
        }

        pages.Set(KeyOf(query), page, new MemoryCacheEntryOptions { Size = size, SlidingExpiration = IdleLifetime });
    }

    public void Dispose() => pages?.Dispose();

    private static (string User, string? Status, string? Repository, int Page, int PageSize) KeyOf(ListJobs query) =>
        (query.User, query.Status?.ToString(), query.Repository, query.Page, query.PageSize);
}
