using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>The fair rule for run slots: fewest running first, then served least recently, FIFO within a user.</summary>
public sealed class FairSlotsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_free_slot_goes_to_the_user_with_the_fewest_running_jobs_not_to_the_longest_queue()
    {
        var slots = new FairSlots(maxConcurrent: 2, maxRunningPerUser: 2, TimeProvider.System);
        var alice = await slots.WaitAsync(Ticket("a1", "alice", 1), null, default);
        var aliceSecond = await slots.WaitAsync(Ticket("a2", "alice", 2), null, default);
        var aliceQueue = Enumerable.Range(3, 8).Select(i => slots.WaitAsync(Ticket($"a{i}", "alice", i), null, default)).ToList();
        var bob = slots.WaitAsync(Ticket("b1", "bob", 20), null, default);

        alice.Dispose();

        (await bob).ShouldNotBeNull();
        aliceQueue.ShouldAllBe(t => !t.IsCompleted);
        aliceSecond.Dispose();
        (await aliceQueue[0]).ShouldNotBeNull();
        aliceQueue.Skip(1).ShouldAllBe(t => !t.IsCompleted);
    }

    [Fact]
    public async Task On_a_tie_the_user_served_least_recently_goes_first_and_each_users_jobs_keep_their_order()
    {
        var clock = new SteppingClock();
        var slots = new FairSlots(maxConcurrent: 1, maxRunningPerUser: 1, clock);
        var order = new List<string>();
        var first = await slots.WaitAsync(Ticket("a1", "alice", 1), null, default);
        var waiting = new[] { Ticket("a3", "alice", 3), Ticket("a2", "alice", 2), Ticket("b1", "bob", 4), Ticket("b2", "bob", 5) }
            .Select(async t =>
            {
                using var slot = await slots.WaitAsync(t, null, default);
                lock (order)
                {
                    order.Add(t.JobId);
                }
            }).ToList();

        first.Dispose();
        await Task.WhenAll(waiting);

        order.ShouldBe(["b1", "a2", "b2", "a3"]);
    }

    [Fact]
    public async Task A_user_served_by_an_earlier_server_goes_after_one_never_served()
    {
        var slots = new FairSlots(maxConcurrent: 1, maxRunningPerUser: 1, TimeProvider.System);
        var busy = await slots.WaitAsync(Ticket("c1", "carol", 0), null, default);
        var alice = slots.WaitAsync(Ticket("a1", "alice", 1), T0.AddDays(-1), default);
        var bob = slots.WaitAsync(Ticket("b1", "bob", 2), null, default);

        busy.Dispose();

        (await bob).ShouldNotBeNull();
        alice.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task A_user_at_the_running_cap_is_skipped_while_a_slot_stays_free_for_others()
    {
        var slots = new FairSlots(maxConcurrent: 3, maxRunningPerUser: 1, TimeProvider.System);
        var alice = await slots.WaitAsync(Ticket("a1", "alice", 1), null, default);
        var aliceNext = slots.WaitAsync(Ticket("a2", "alice", 2), null, default);

        aliceNext.IsCompleted.ShouldBeFalse();
        slots.Busy.ShouldBe(1);
        (await slots.WaitAsync(Ticket("b1", "bob", 3), null, default)).ShouldNotBeNull();
        alice.Dispose();
        (await aliceNext).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_line_at_once_and_the_slot_goes_to_the_next()
    {
        var slots = new FairSlots(maxConcurrent: 1, maxRunningPerUser: 1, TimeProvider.System);
        var busy = await slots.WaitAsync(Ticket("a1", "alice", 1), null, default);
        using var cancel = new CancellationTokenSource();
        var cancelled = slots.WaitAsync(Ticket("b1", "bob", 2), null, cancel.Token);
        var next = slots.WaitAsync(Ticket("c1", "carol", 3), null, default);

        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(cancelled);
        slots.IsWaiting("b1").ShouldBeFalse();
        slots.IsWaiting("c1").ShouldBeTrue();
        busy.Dispose();
        (await next).ShouldNotBeNull();
        slots.Busy.ShouldBe(1);
    }

    [Fact]
    public async Task While_held_no_slot_is_given_so_the_line_can_fill_then_the_rule_picks_from_all_of_it()
    {
        var slots = new FairSlots(maxConcurrent: 1, maxRunningPerUser: 1, TimeProvider.System);
        slots.Hold();
        var alice = slots.WaitAsync(Ticket("a1", "alice", 1), T0, default);
        var bob = slots.WaitAsync(Ticket("b1", "bob", 2), null, default);

        alice.IsCompleted.ShouldBeFalse();
        bob.IsCompleted.ShouldBeFalse();
        slots.Waiting.ShouldBe(2);
        slots.Resume();

        (await bob).ShouldNotBeNull();
        alice.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task A_slot_is_returned_once_however_often_it_is_disposed()
    {
        var slots = new FairSlots(maxConcurrent: 1, maxRunningPerUser: 1, TimeProvider.System);
        var slot = await slots.WaitAsync(Ticket("a1", "alice", 1), null, default);
        var next = slots.WaitAsync(Ticket("b1", "bob", 2), null, default);

        slot.Dispose();
        slot.Dispose();

        (await next).ShouldNotBeNull();
        slots.Busy.ShouldBe(1);
    }

    private static FairSlots.Ticket Ticket(string jobId, string user, int minute) => new(jobId, user, T0.AddMinutes(minute));

    /// <summary>A clock that moves on a tick every time it is read, so successive grants never share an instant.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long ticks = T0.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref ticks, 1), TimeSpan.Zero);
    }
}
