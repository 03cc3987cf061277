using System.Net;
using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

public sealed class LoginFailureLimiterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private readonly ManualClock clock = new();
    private readonly LoginFailureLimiter limiter;

    public LoginFailureLimiterTests() => limiter = new LoginFailureLimiter(
        new AuthOptions
        {
            LoginRateLimit = new LoginRateLimitOptions
            {
                FailuresPerUserAndAddress = 2,
                FailuresPerUser = 3,
                FailuresPerAddress = 5,
                WindowSeconds = (int)Window.TotalSeconds,
            },
        },
        clock);

    [Fact]
    public void Failures_stop_that_user_at_that_address_only()
    {
        Fail("alice", "192.0.2.1", times: 2);

        limiter.TryBegin("alice", "192.0.2.1", out var retryAfter).ShouldBeNull();
        retryAfter.ShouldBe(Window);
        limiter.TryBegin("alice", "192.0.2.2", out _).ShouldNotBeNull();
        limiter.TryBegin("bob", "192.0.2.1", out _).ShouldNotBeNull();
    }

    [Fact]
    public void Attempts_that_were_not_failures_give_their_place_back()
    {
        for (var i = 0; i < 10; i++)
        {
            limiter.TryBegin("alice", "192.0.2.1", out _)!.Settle(failed: false);
        }

        limiter.TryBegin("alice", "192.0.2.1", out _).ShouldNotBeNull();
    }

    [Fact]
    public void Attempts_still_being_checked_hold_their_place_so_a_parallel_burst_cannot_overrun_the_limit()
    {
        limiter.TryBegin("alice", "192.0.2.1", out _).ShouldNotBeNull();
        limiter.TryBegin("alice", "192.0.2.1", out _).ShouldNotBeNull();

        limiter.TryBegin("alice", "192.0.2.1", out _).ShouldBeNull();
    }

    [Fact]
    public void The_per_user_ceiling_spans_addresses()
    {
        Fail("alice", "192.0.2.1", times: 2);
        Fail("alice", "192.0.2.2", times: 1);

        limiter.TryBegin("alice", "192.0.2.3", out _).ShouldBeNull();
    }

    [Fact]
    public void The_per_address_ceiling_spans_usernames()
    {
        for (var i = 0; i < 5; i++)
        {
            Fail("user" + i, "192.0.2.1", times: 1);
        }

        limiter.TryBegin("someone-else", "192.0.2.1", out _).ShouldBeNull();
    }

    [Fact]
    public void Counts_start_again_when_the_window_ends()
    {
        Fail("alice", "192.0.2.1", times: 2);
        clock.Advance(Window - TimeSpan.FromSeconds(1));
        limiter.TryBegin("alice", "192.0.2.1", out var retryAfter).ShouldBeNull();
        retryAfter.ShouldBe(TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(1));

        limiter.TryBegin("alice", "192.0.2.1", out _).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:bbbb:cccc:dddd:9", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void A_client_is_named_by_its_IPv4_address_or_its_IPv6_64(string address, string key) =>
        LoginFailureLimiter.AddressKey(IPAddress.Parse(address)).ShouldBe(key);

    [Fact]
    public void A_connection_without_an_address_is_one_unknown_client() =>
        LoginFailureLimiter.AddressKey(null).ShouldBe("unknown");

    private void Fail(string username, string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            limiter.TryBegin(username, address, out _).ShouldNotBeNull().Settle(failed: true);
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private long ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ticks;

        public void Advance(TimeSpan by) => ticks += by.Ticks;
    }
}
