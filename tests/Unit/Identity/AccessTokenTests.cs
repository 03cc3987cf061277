using ClaudeBatch.Application.Identity;
using ClaudeBatch.Domain.Identity;
using ClaudeBatch.Infrastructure.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClaudeBatch.Unit.Tests.Identity;

/// <summary>The rules of personal access tokens: their form, their expiry bounds, the in-memory cache, the use throttle.</summary>
public sealed class AccessTokenTests
{
    private readonly Clock clock = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_new_token_is_cbs_and_43_base64url_characters_different_each_time_and_its_hash_is_its_sha256()
    {
        var token = AccessTokenSecret.New();

        token.ShouldMatch("^cbs_[A-Za-z0-9_-]{43}$");
        AccessTokenSecret.IsWellFormed(token).ShouldBeTrue();
        AccessTokenSecret.New().ShouldNotBe(token);
        AccessTokenSecret.HashOf(token).ShouldMatch("^[0-9a-f]{64}$");
        AccessTokenSecret.HashOf(token).ShouldNotContain(token[4..]);
        // sha256sum of the four bytes "cbs_": what the database holds can be checked with the standard tool.
        AccessTokenSecret.HashOf("cbs_").ShouldBe("c5d9dc32d02124e32da5660bfeb1dc0f3e0e66c75fc7087a9e39db7d94b1de7e");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cbs_")]
    [InlineData("cbs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("cbs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("cbs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("cbs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("xyz_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.AAAAAAAAAAAAAAAAAAAAAAA")]
    public void Anything_not_of_that_form_is_not_a_token(string? token) =>
        AccessTokenSecret.IsWellFormed(token).ShouldBeFalse();

    [Theory]
    [InlineData(1, true)]
    [InlineData(30, true)]
    [InlineData(30, true, "a name of 100 characters, which is the most a name may have ........................................")]
    [InlineData(31, false)]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(null, false)]
    [InlineData(5, false, "")]
    [InlineData(5, false, "   ")]
    [InlineData(5, false, "tab\there")]
    [InlineData(5, false, "a name of 101 characters, which is one more than a name may have ....................................")]
    public void A_token_needs_a_name_and_an_expiry_of_1_to_MaxTokenDays(int? days, bool valid, string? name = "ci")
    {
        var validator = new CreateAccessToken.Validator(new AccessTokenOptions { MaxTokenDays = 30 });

        validator.Validate(new CreateAccessToken("alice", name, days, PresentedAccessToken: false, null)).IsValid.ShouldBe(valid);
    }

    [Fact]
    public void The_cache_does_not_answer_until_loaded_nor_once_stale_so_the_store_is_asked()
    {
        var cache = new AccessTokenCache(clock);
        cache.Add("hash", Grant("t1"));

        cache.Find("hash").ShouldBeNull();
        cache.Load([]);
        cache.Find("hash").ShouldBe(Grant("t1"));
        cache.MarkStale();
        cache.Find("hash").ShouldBeNull();
    }

    [Fact]
    public void A_revocation_is_never_undone_by_a_load_or_notification_read_before_it()
    {
        var cache = new AccessTokenCache(clock);
        cache.Load([("hash", Grant("t1"))]);

        cache.Revoke("t1");
        cache.Load([("hash", Grant("t1"))]);
        cache.Add("hash", Grant("t1"));

        cache.Find("hash")!.Revoked.ShouldBeTrue();
    }

    [Fact]
    public void A_revocation_heard_from_another_server_holds()
    {
        var cache = new AccessTokenCache(clock);
        cache.Load([("hash", Grant("t1"))]);

        cache.Add("hash", Grant("t1") with { Revoked = true });

        cache.Find("hash")!.Revoked.ShouldBeTrue();
    }

    [Fact]
    public void Expired_tokens_are_dropped_at_the_next_load()
    {
        var cache = new AccessTokenCache(clock);
        cache.Load([("old", Grant("t1") with { ExpiresAt = clock.Now.AddMinutes(-1) }), ("new", Grant("t2"))]);

        cache.Count.ShouldBe(1);
        cache.Find("new").ShouldNotBeNull();
    }

    [Fact]
    public void A_tokens_use_is_taken_to_record_at_most_once_a_minute()
    {
        var recorder = new AccessTokenUseRecorder(null!, clock, NullLogger<AccessTokenUseRecorder>.Instance);

        recorder.TakeToRecord("t1", clock.Now).ShouldBeTrue();
        recorder.TakeToRecord("t1", clock.Now.AddSeconds(30)).ShouldBeFalse();
        recorder.TakeToRecord("t2", clock.Now.AddSeconds(30)).ShouldBeTrue();
        recorder.TakeToRecord("t1", clock.Now.AddSeconds(59)).ShouldBeFalse();
        recorder.TakeToRecord("t1", clock.Now.AddSeconds(60)).ShouldBeTrue();
        recorder.TakeToRecord("t1", clock.Now.AddSeconds(61)).ShouldBeFalse();
    }

    private AccessTokenGrant Grant(string id) => new(id, "alice", 1000, clock.Now.AddDays(1), Revoked: false);

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
