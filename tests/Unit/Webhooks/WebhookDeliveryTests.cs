using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Unit.Tests.Webhooks;

public sealed class WebhookDeliveryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    private static AttemptDecision After(int attempt, AttemptOutcome outcome) =>
        WebhookDelivery.Decide("msg_1", "w1", "job.completed", attempt, outcome, Delays, MaxRetryAfter, Now);

    private static AttemptOutcome Status(int code, TimeSpan? retryAfter = null) => new(code, TimeSpan.FromMilliseconds(12), retryAfter, null);

    [Fact]
    public void A_2xx_delivers_and_nothing_follows()
    {
        var decision = After(1, Status(204));

        decision.NextAttemptIn.ShouldBeNull();
        var attempted = decision.Events.ShouldHaveSingleItem().ShouldBeOfType<WebhookDeliveryAttempted>();
        attempted.Delivered.ShouldBeTrue();
        attempted.Error.ShouldBeNull();
        attempted.DurationMs.ShouldBe(12);
    }

    [Fact]
    public void A_500_is_retried_after_the_attempts_delay()
    {
        After(1, Status(500)).NextAttemptIn.ShouldBe(TimeSpan.FromSeconds(5));
        var second = After(2, Status(500));
        second.NextAttemptIn.ShouldBe(TimeSpan.FromSeconds(30));
        second.Events.OfType<WebhookDeliveryAttempted>().Single().NextRetryAt.ShouldBe(Now.AddSeconds(30));
    }

    [Fact]
    public void An_unreachable_receiver_is_retried_with_the_reason()
    {
        var decision = After(1, new AttemptOutcome(null, TimeSpan.FromSeconds(10), null, "No answer within 10 s."));

        decision.NextAttemptIn.ShouldBe(TimeSpan.FromSeconds(5));
        decision.Events.OfType<WebhookDeliveryAttempted>().Single().Error.ShouldBe("No answer within 10 s.");
    }

    [Fact]
    public void A_failure_after_the_last_delay_gives_up()
    {
        var decision = After(3, Status(503));

        decision.NextAttemptIn.ShouldBeNull();
        decision.Events.OfType<WebhookDeliveryGaveUp>().Single().Attempts.ShouldBe(3);
        decision.Events.OfType<WebhookDeliveryAttempted>().Single().NextRetryAt.ShouldBeNull();
    }

    [Fact]
    public void A_410_disables_the_subscription_without_a_retry()
    {
        var decision = After(1, Status(410));

        decision.NextAttemptIn.ShouldBeNull();
        decision.Events.OfType<WebhookDisabled>().Single().WebhookId.ShouldBe("w1");
    }

    [Fact]
    public void Retry_After_is_honoured_and_capped()
    {
        After(1, Status(429, TimeSpan.FromSeconds(90))).NextAttemptIn.ShouldBe(TimeSpan.FromSeconds(90));
        After(1, Status(503, TimeSpan.FromDays(2))).NextAttemptIn.ShouldBe(MaxRetryAfter);
    }
}
