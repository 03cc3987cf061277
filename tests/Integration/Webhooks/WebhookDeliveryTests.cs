using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Webhooks;

/// <summary>Deliveries to a real receiver on 127.0.0.1: signed, retried, given up, and a 410 that disables.</summary>
public sealed class WebhookDeliveryTests(WebhooksApiFactory api) : IClassFixture<WebhooksApiFactory>
{
    [Fact]
    public async Task A_cloned_repository_is_delivered_signed_as_Standard_Webhooks_says()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = await api.LoginAsync(api.Accounts.Add());
        var webhook = await client.CreateWebhookAsync(receiver.Url, "repository.cloned");

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var name = await client.CloneRepositoryAsync(api);

        var delivery = (await receiver.WaitForAsync(1)).Single();
        WebhookReceiver.HasValidSignature(delivery, webhook.Secret).ShouldBeTrue($"signature {delivery.Signature} of {delivery.Body}");
        delivery.Id.ShouldStartWith("msg_");
        long.Parse(delivery.Timestamp).ShouldBeInRange(before - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        delivery.ContentType.ShouldStartWith("application/json");
        var body = delivery.Json;
        body.GetProperty("type").GetString().ShouldBe("repository.cloned");
        body.GetProperty("timestamp").GetDateTimeOffset().ToUnixTimeSeconds().ShouldBeInRange(before - 5, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        body.GetProperty("data").GetProperty("name").GetString().ShouldBe(name);
        body.GetProperty("data").GetProperty("cloneStatus").GetString().ShouldBe("completed");

        var log = await client.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "delivered");
        var entry = log[0];
        entry.GetProperty("webhookId").GetString().ShouldBe(delivery.Id);
        entry.GetProperty("eventType").GetString().ShouldBe("repository.cloned");
        var attempt = entry.GetProperty("attempts").EnumerateArray().ShouldHaveSingleItem();
        attempt.GetProperty("attempt").GetInt32().ShouldBe(1);
        attempt.GetProperty("statusCode").GetInt32().ShouldBe(200);
        attempt.GetProperty("durationMs").GetInt64().ShouldBeGreaterThanOrEqualTo(0);
        attempt.GetProperty("delivered").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_job_that_completes_delivers_started_and_completed_with_the_job_view()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var webhook = await client.CreateWebhookAsync(receiver.Url, "job.started", "job.completed", "job.failed");

        var job = await client.CreateJobAsync(repository, "scenario: instant", gitAware: false);
        await client.StartJobAsync(job);
        (await client.WaitForJobAsync(job)).Status().ShouldBe("completed");

        var deliveries = await receiver.WaitForAsync(2);
        deliveries.Select(d => d.Type).Order().ShouldBe(["job.completed", "job.started"]);
        deliveries.ShouldAllBe(d => WebhookReceiver.HasValidSignature(d, webhook.Secret));
        deliveries.Select(d => d.Id).Distinct().Count().ShouldBe(2);
        var completed = deliveries.Single(d => d.Type == "job.completed").Json.GetProperty("data");
        completed.GetProperty("jobId").GetString().ShouldBe(job);
        completed.GetProperty("status").GetString().ShouldBe("completed");
        completed.GetProperty("repository").GetString().ShouldBe(repository);
        receiver.Received.ShouldNotContain(d => d.Type == "job.failed");
    }

    [Fact]
    public async Task A_500_then_a_200_is_two_attempts_with_the_same_webhook_id_both_in_the_log()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500);
        var client = await api.LoginAsync(api.Accounts.Add());
        var webhook = await client.CreateWebhookAsync(receiver.Url, "repository.cloned");

        await client.CloneRepositoryAsync(api);

        var deliveries = await receiver.WaitForAsync(2);
        deliveries.Select(d => d.Id).Distinct().ShouldHaveSingleItem();
        deliveries.ShouldAllBe(d => WebhookReceiver.HasValidSignature(d, webhook.Secret));
        var log = await client.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "delivered");
        var attempts = log[0].GetProperty("attempts").EnumerateArray().ToList();
        attempts.Select(a => a.GetProperty("statusCode").GetInt32()).ShouldBe([500, 200]);
        attempts[0].GetProperty("delivered").GetBoolean().ShouldBeFalse();
        attempts[0].GetProperty("nextRetryAt").GetDateTimeOffset().ShouldBeGreaterThan(attempts[0].GetProperty("at").GetDateTimeOffset());
        attempts[1].GetProperty("delivered").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_receivers_Retry_After_sets_the_pause_before_the_next_attempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(503);
        receiver.RetryAfterSeconds = 3;
        var client = await api.LoginAsync(api.Accounts.Add());
        var webhook = await client.CreateWebhookAsync(receiver.Url, "repository.cloned");

        await client.CloneRepositoryAsync(api);

        var log = await client.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "delivered");
        var attempts = log[0].GetProperty("attempts").EnumerateArray().ToList();
        attempts.Select(a => a.GetProperty("statusCode").GetInt32()).ShouldBe([503, 200]);
        // 3 s as asked, not the configured 1 s; the retry went out no sooner.
        var first = attempts[0];
        (first.GetProperty("nextRetryAt").GetDateTimeOffset() - first.GetProperty("at").GetDateTimeOffset()).ShouldBe(TimeSpan.FromSeconds(3));
        attempts[1].GetProperty("at").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(first.GetProperty("nextRetryAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_receiver_down_through_every_retry_is_given_up_and_recorded()
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var webhook = await client.CreateWebhookAsync(WebhookReceiver.Nowhere(), "repository.cloned");

        await client.CloneRepositoryAsync(api);

        var log = await client.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "gave_up");
        var attempts = log[0].GetProperty("attempts").EnumerateArray().ToList();
        attempts.Count.ShouldBe(WebhooksApiFactory.RetryDelays.Length + 1);
        attempts.Select(a => a.GetProperty("attempt").GetInt32()).ShouldBe([1, 2, 3, 4]);
        attempts.ShouldAllBe(a => a.GetProperty("statusCode").ValueKind == JsonValueKind.Null && a.GetProperty("error").GetString()!.Length > 0);
        attempts[^1].GetProperty("nextRetryAt").ValueKind.ShouldBe(JsonValueKind.Null);
        log[0].GetProperty("nextRetryAt").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_410_disables_the_subscription_and_nothing_more_is_sent_to_it()
    {
        await using var gone = await WebhookReceiver.StartAsync(410);
        var client = await api.LoginAsync(api.Accounts.Add());
        var webhook = await client.CreateWebhookAsync(gone.Url, "repository.cloned");

        await client.CloneRepositoryAsync(api);
        await gone.WaitForAsync(1);
        var log = await client.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "disabled");
        log[0].GetProperty("attempts").EnumerateArray().ShouldHaveSingleItem().GetProperty("statusCode").GetInt32().ShouldBe(410);
        var listed = JsonDocument.Parse(await client.GetStringAsync("/webhooks")).RootElement.EnumerateArray().Single(w => w.GetProperty("id").GetString() == webhook.Id);
        listed.GetProperty("disabled").GetBoolean().ShouldBeTrue();
        listed.GetProperty("disabledReason").GetString()!.ShouldContain("410");

        // The next event goes to a second subscription in the same fan-out, and not to the disabled one.
        await using var other = await WebhookReceiver.StartAsync();
        await client.CreateWebhookAsync(other.Url, "repository.cloned");
        await client.CloneRepositoryAsync(api);
        await other.WaitForAsync(1);
        (await client.DeliveriesAsync(webhook.Id)).GetArrayLength().ShouldBe(1);
        gone.Received.Count.ShouldBe(1);
    }
}
