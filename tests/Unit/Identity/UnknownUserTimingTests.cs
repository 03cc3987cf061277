using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

/// <summary>
/// An unknown or locked account's login is timed with a hash of the cost most accounts have, so that how long a refusal
/// takes does not tell which usernames exist.
/// </summary>
public sealed class UnknownUserTimingTests
{
    private const string FastRoot = "$1$rootsalt$PLHHCgxhkSkIb5mfWU0aF/";
    private const string Alice = "$6$rounds=200000$alicesalt$Pz1e5XG0QsRVhs6JXbpX8oJqHUnhBC9r8y1F/0Ugd6eZ5lqTJgkxpTJ8O1y6FUf0Lb8RGkdVwqPzZl7cM1N6b.";
    private const string Bob = "$6$rounds=200000$bobsalt$DR0pqfCbkNSQaVkG2e6LZ4jT0yKQIv0h1L3z1b9Yp8s5k4F3c0XcC2mB8Rz0mJ3k6dY9dA0y1o1cY9p2Cz0aR1";

    [Fact]
    public void A_fast_root_hash_first_in_the_file_does_not_set_the_time_of_unknown_names()
    {
        var imitation = ShadowPasswordVerifier.ImitationFor(
            [new("root", FastRoot, null), new("alice", Alice, null), new("bob", Bob, null)]);

        imitation.ShouldStartWith("$6$rounds=200000$");
    }

    [Fact]
    public void Placeholders_and_locked_entries_are_never_imitated()
    {
        var imitation = ShadowPasswordVerifier.ImitationFor(
        [
            new("daemon", "NP", null), new("sys", "x", null), new("old", "!" + FastRoot, null), new("lp", "*", null),
            new("alice", "$y$j9T$alicesalt$8Xq1m1eT9tZ4k0b6hNn0Jw9sW4z5YfP8j3u1r2k7cQ5", null),
        ]);

        imitation.ShouldStartWith("$y$j9T$");
    }

    [Fact]
    public void A_file_without_any_hash_is_timed_with_a_sha512_hash_of_the_default_cost()
    {
        ShadowPasswordVerifier.ImitationFor([new("root", "*", null), new("daemon", "NP", null)]).ShouldStartWith("$6$rounds=5000$");
    }

    [Theory]
    [InlineData("$6$salt$digest", "$6")]
    [InlineData("$6$rounds=50000$salt$digest", "$6$rounds=50000")]
    [InlineData("$y$j9T$salt$digest", "$y$j9T")]
    [InlineData("$2b$12$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ", "$2b$12")]
    [InlineData("$1$salt$digest", "$1")]
    [InlineData("abJnggxhB/yWI", "des")]
    [InlineData("NP", null)]
    [InlineData("x", null)]
    [InlineData("$$$", null)]
    public void The_cost_of_a_hash_is_its_scheme_and_parameters(string hash, string? cost) =>
        ShadowPasswordVerifier.CostOf(hash).ShouldBe(cost);
}
