using System.Text;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>
/// The rules of the kept pages of GET /jobs: a page is answered only at the very revision it was read at (the user's
/// revision, their kept count and their places in the queue), only for its own query, a newer read replaces it, and
/// nothing is kept when the cache is off or the page would take more than an eighth of it.
/// </summary>
public sealed class JobListPageCacheTests
{
    private static readonly ListJobs Query = new("alice", null, 1, 50);
    private static readonly GetJobListRevision.Response Revision = new(7, 3, "0");

    private static JobListPage Page(GetJobListRevision.Response revision, string json = """{"jobs":[]}""") =>
        new(revision, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_page_is_answered_at_the_revision_it_was_read_at_and_at_no_other()
    {
        using var cache = new JobListPageCache(1024 * 1024);
        var page = Page(Revision);
        cache.Keep(Query, page);

        cache.Find(Query, new GetJobListRevision.Response(7, 3, "0")).ShouldBeSameAs(page);
        cache.Find(Query, Revision with { Revision = 8 }).ShouldBeNull("a job of hers changed");
        cache.Find(Query, Revision with { Counted = 2 }).ShouldBeNull("the kept counts were recounted");
        cache.Find(Query, Revision with { Queue = "a1b2c3d4e5f6" }).ShouldBeNull("a place in the queue moved");
    }

    [Fact]
    public void A_page_is_only_that_of_its_own_query()
    {
        using var cache = new JobListPageCache(1024 * 1024);
        cache.Keep(Query, Page(Revision));

        cache.Find(Query with { User = "bob" }, Revision).ShouldBeNull();
        cache.Find(Query with { Status = JobStatus.Queued }, Revision).ShouldBeNull();
        cache.Find(Query with { Repository = "repo" }, Revision).ShouldBeNull();
        cache.Find(Query with { Page = 2 }, Revision).ShouldBeNull();
        cache.Find(Query with { PageSize = 500 }, Revision).ShouldBeNull();
        cache.Find(Query with { Current = Revision }, Revision).ShouldNotBeNull("the revision the caller read is not part of the query's key");
    }

    [Fact]
    public void A_newer_read_replaces_the_kept_page()
    {
        using var cache = new JobListPageCache(1024 * 1024);
        cache.Keep(Query, Page(Revision));
        var newer = Page(Revision with { Revision = 9 }, """{"jobs":[1]}""");
        cache.Keep(Query, newer);

        cache.Find(Query, Revision).ShouldBeNull();
        cache.Find(Query, newer.Revision).ShouldBeSameAs(newer);
    }

    [Fact]
    public void Nothing_is_kept_when_the_cache_is_off_or_the_page_is_too_big_for_it()
    {
        using var off = new JobListPageCache(0);
        off.Keep(Query, Page(Revision));
        off.Find(Query, Revision).ShouldBeNull();

        using var small = new JobListPageCache(8 * 1024);
        small.Keep(Query, Page(Revision, new string('x', 1024)));
        small.Find(Query, Revision).ShouldBeNull("over an eighth of the cache");
        small.Keep(Query, Page(Revision, new string('x', 500)));
        small.Find(Query, Revision).ShouldNotBeNull();
    }
}
