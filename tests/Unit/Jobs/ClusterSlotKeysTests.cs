using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>The advisory lock keys of the run slots every server shares: the same on every server, distinct from each other.</summary>
public sealed class ClusterSlotKeysTests
{
    [Fact]
    public void There_is_one_global_key_per_slot_and_every_server_computes_the_same_ones()
    {
        var keys = new ClusterSlotKeys(maxConcurrent: 3, maxRunningPerUser: 1);

        keys.Global.Count.ShouldBe(3);
        keys.Global.Distinct().Count().ShouldBe(3);
        new ClusterSlotKeys(3, 1).Global.ShouldBe(keys.Global);
        new ClusterSlotKeys(5, 1).Global.Take(3).ShouldBe(keys.Global, "a server configured with more slots shares the first ones");
    }

    [Fact]
    public void A_user_has_MaxRunningPerUser_keys_of_their_own_distinct_from_every_other_users_and_the_global_ones()
    {
        var keys = new ClusterSlotKeys(maxConcurrent: 4, maxRunningPerUser: 2);

        var alice = keys.ForUser("alice");
        var bob = keys.ForUser("bob");

        alice.Count.ShouldBe(2);
        alice.ShouldBe(new ClusterSlotKeys(4, 2).ForUser("alice"));
        alice.Concat(bob).Concat(keys.Global).Distinct().Count().ShouldBe(2 + 2 + 4);
        // A name that looks like another key's name is still another user.
        keys.ForUser("1:alice").Intersect(alice).ShouldBeEmpty();
    }

    [Fact]
    public void With_a_per_user_cap_no_tighter_than_the_global_one_a_user_needs_no_keys_of_their_own()
    {
        new ClusterSlotKeys(maxConcurrent: 3, maxRunningPerUser: 3).ForUser("alice").ShouldBeEmpty();
    }
}
