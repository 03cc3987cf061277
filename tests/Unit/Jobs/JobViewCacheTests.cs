using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>
/// The version rules of the in-memory job views: nothing is served or kept unless notifications are heard, a view read
/// while a change was heard is not kept, a view is never replaced by an older one, and a notification drops it only
/// when it names a newer version.
/// </summary>
public sealed class JobViewCacheTests
{
    private const string Id = "job:1";
    private readonly JobViewCache cache = new(1024 * 1024);

    private static VersionedJobView View(long version, string output = "") =>
        new(version, new JobView { Id = Id, JobId = "1", User = "alice", Output = output });

    private void Read(VersionedJobView stored)
    {
        var ticket = cache.Reserve(Id).ShouldNotBeNull();
        cache.Offer(ticket, stored);
    }

    [Fact]
    public void A_view_weighs_what_its_turns_hold()
    {
        var oneTurn = View(1).View;
        var answered = View(1).View;
        answered.Turns = [new JobTurn { Turn = 1, Prompt = "p" }, new JobTurn { Turn = 2, Prompt = new string('p', 50_000), Output = new string('o', 50_000) }];

        (JobViewCache.EstimateBytes(answered) - JobViewCache.EstimateBytes(oneTurn)).ShouldBeGreaterThan(200_000);
    }

    [Fact]
    public void Until_it_listens_it_neither_answers_nor_keeps_what_is_read()
    {
        cache.Reserve(Id).ShouldBeNull();

        cache.Listening();
        Read(View(3));

        cache.TryGet(Id, out var cached).ShouldBeTrue();
        cached.Version.ShouldBe(3);
    }

    [Fact]
    public void A_notified_newer_version_drops_the_view_and_the_same_or_an_older_one_does_not()
    {
        cache.Listening();
        Read(View(5));

        cache.Changed(Id, 5);
        cache.Changed(Id, 4);
        cache.TryGet(Id, out _).ShouldBeTrue();

        cache.Changed(Id, 6);
        cache.TryGet(Id, out _).ShouldBeFalse();
    }

    [Fact]
    public void This_server_s_commit_drops_the_view_whatever_its_version()
    {
        cache.Listening();
        Read(View(5));

        cache.Changed(Id);

        cache.TryGet(Id, out _).ShouldBeFalse();
    }

    [Fact]
    public void A_read_that_began_before_a_change_was_heard_is_not_kept()
    {
        cache.Listening();
        var before = cache.Reserve(Id).ShouldNotBeNull();
        cache.Changed(Id, 2);
        cache.Offer(before, View(1));
        cache.TryGet(Id, out _).ShouldBeFalse();

        var beforeOwnCommit = cache.Reserve(Id).ShouldNotBeNull();
        cache.Changed(Id);
        cache.Offer(beforeOwnCommit, View(2));
        cache.TryGet(Id, out _).ShouldBeFalse();

        Read(View(3));
        cache.TryGet(Id, out var cached).ShouldBeTrue();
        cached.Version.ShouldBe(3);
    }

    [Fact]
    public void An_older_view_never_replaces_a_newer_one()
    {
        cache.Listening();
        var slow = cache.Reserve(Id).ShouldNotBeNull();
        Read(View(7));

        cache.Offer(slow, View(6));

        cache.TryGet(Id, out var cached).ShouldBeTrue();
        cached.Version.ShouldBe(7);
    }

    [Fact]
    public void Going_stale_empties_it_and_a_read_from_before_is_not_kept_after_it_listens_again()
    {
        cache.Listening();
        Read(View(1));
        var during = cache.Reserve(Id).ShouldNotBeNull();

        cache.MarkStale();
        cache.TryGet(Id, out _).ShouldBeFalse();
        cache.Reserve(Id).ShouldBeNull();

        cache.Listening();
        cache.Offer(during, View(2));
        cache.TryGet(Id, out _).ShouldBeFalse();
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public void A_removed_absent_or_deleted_view_is_not_kept_and_a_reset_drops_everything()
    {
        cache.Listening();
        Read(View(1));
        cache.Removed(Id);
        cache.TryGet(Id, out _).ShouldBeFalse();

        var absent = cache.Reserve(Id).ShouldNotBeNull();
        cache.Offer(absent, null);
        cache.Count.ShouldBe(0);

        var deleted = cache.Reserve(Id).ShouldNotBeNull();
        cache.Offer(deleted, new VersionedJobView(2, new JobView { Id = Id, Deleted = true }));
        cache.TryGet(Id, out _).ShouldBeFalse();
        cache.Count.ShouldBe(0);

        Read(View(3));
        cache.Reset();
        cache.TryGet(Id, out _).ShouldBeFalse();
        cache.Bytes.ShouldBe(0);
    }

    [Fact]
    public void Past_its_capacity_the_least_recently_read_views_go()
    {
        var small = new JobViewCache(64 * 1024);
        small.Listening();
        var output = new string('x', 2_000);
        for (var i = 0; i < 40; i++)
        {
            var id = $"job:{i}";
            var ticket = small.Reserve(id).ShouldNotBeNull();
            small.Offer(ticket, new VersionedJobView(1, new JobView { Id = id, Output = output }));
            small.TryGet("job:0", out _);
        }

        small.Bytes.ShouldBeLessThanOrEqualTo(small.CapacityBytes);
        small.TryGet("job:0", out _).ShouldBeTrue("read after every other, it was used most recently");
        small.TryGet("job:1", out _).ShouldBeFalse();
        small.TryGet("job:39", out _).ShouldBeTrue();
    }

    [Fact]
    public void Turned_off_it_never_answers()
    {
        var off = new JobViewCache(0);
        off.Listening();

        off.IsCurrent.ShouldBeFalse();
        off.Reserve(Id).ShouldBeNull();
    }
}
