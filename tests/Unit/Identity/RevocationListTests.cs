using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

/// <summary>The in-memory revocation list every request asks: current only once loaded, and rid of expired tokens.</summary>
public sealed class RevocationListTests
{
    private readonly Clock clock = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly RevocationList list;

    public RevocationListTests() => list = new RevocationList(new JwtOptions { ClockSkewSeconds = 30 }, clock);

    [Fact]
    public void Until_it_is_loaded_it_does_not_answer_so_the_store_is_asked()
    {
        list.Add("own-logout", clock.Now.AddHours(1));

        list.IsRevoked("own-logout").ShouldBeNull();
        list.IsRevoked("anything").ShouldBeNull();
    }

    [Fact]
    public void Once_loaded_it_answers_for_loaded_and_added_ids_and_only_those()
    {
        list.Load([("stored", clock.Now.AddHours(1))]);
        list.Add("own-logout", clock.Now.AddHours(2));

        list.IsRevoked("stored").ShouldBe(true);
        list.IsRevoked("own-logout").ShouldBe(true);
        list.IsRevoked("never-revoked").ShouldBe(false);
    }

    [Fact]
    public void Marked_stale_it_stops_answering_until_the_next_load()
    {
        list.Load([("stored", clock.Now.AddHours(1))]);
        list.MarkStale();

        list.IsRevoked("stored").ShouldBeNull();
        list.Load([]);
        list.IsRevoked("stored").ShouldBe(true);
    }

    [Fact]
    public void An_entry_is_dropped_once_its_token_is_past_expiry_and_clock_skew_and_not_before()
    {
        list.Load([("short", clock.Now.AddMinutes(1)), ("long", clock.Now.AddHours(1))]);

        clock.Now = clock.Now.AddMinutes(1).AddSeconds(29);
        list.DropExpired();
        list.Count.ShouldBe(2);

        clock.Now = clock.Now.AddSeconds(2);
        list.DropExpired();
        list.Count.ShouldBe(1);
        list.IsRevoked("long").ShouldBe(true);
    }

    [Fact]
    public void Already_expired_revocations_are_not_kept()
    {
        list.Load([("old", clock.Now.AddMinutes(-5))]);
        list.Add("older", clock.Now.AddHours(-1));

        list.Count.ShouldBe(0);
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
