using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Webhooks;

/// <summary>The real server as a process: a delivery survives kill -9, and the connect-time SSRF check holds for a subscription made earlier.</summary>
[Trait("Category", "Reliability")]
public sealed class WebhookRestartTests
{
    [Fact]
    public async Task A_delivery_in_flight_when_the_server_is_killed_is_delivered_after_the_restart_with_the_same_webhook_id()
    {
        var settings = Settings(allowPrivateTargets: true);
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var answered = new TaskCompletionSource();
        await using var receiver = await WebhookReceiver.StartAsync();
        // The first request is held unanswered until the server that sent it is dead; later ones are answered at once.
        receiver.Hold = () => receiver.Received.Count == 1 ? answered.Task : Task.CompletedTask;

        WebhookApi.Created webhook;
        await using (var first = await ServerProcess.StartAsync(settings.Settings))
        {
            var client = await first.LoginAsync(user);
            webhook = await client.CreateWebhookAsync(receiver.Url, "repository.cloned");
            await client.CloneRepositoryAsync(settings);
            await receiver.WaitForAsync(1);
            await first.KillHardAsync();
        }

        answered.SetResult();
        await using var second = await ServerProcess.StartAsync(settings.Settings);
        var again = await second.LoginAsync(user);

        var deliveries = await receiver.WaitForAsync(2, TimeSpan.FromSeconds(90));
        deliveries.Select(d => d.Id).Distinct().ShouldHaveSingleItem();
        deliveries.ShouldAllBe(d => WebhookReceiver.HasValidSignature(d, webhook.Secret));
        var log = await again.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "delivered");
        log[0].GetProperty("webhookId").GetString().ShouldBe(deliveries[0].Id);
        log[0].GetProperty("attempts").EnumerateArray().Last().GetProperty("statusCode").GetInt32().ShouldBe(200);
    }

    [Fact]
    public async Task A_job_interrupted_by_kill_9_is_delivered_as_job_failed_when_the_restart_recovers_it()
    {
        // The restart records the interrupted job's failure before the queues run: its notification waits for them.
        var settings = Settings(allowPrivateTargets: true);
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        var name = "hook-crash-" + Guid.NewGuid().ToString("N")[..8];
        var (source, _) = settings.Sources.Create(name);
        await using var receiver = await WebhookReceiver.StartAsync();

        string job;
        WebhookApi.Created webhook;
        await using (var first = await ServerProcess.StartAsync(settings.Settings))
        {
            var client = await first.LoginAsync(user);
            webhook = await client.CreateWebhookAsync(receiver.Url, "job.failed");
            (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Created);
            (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
            job = await client.CreateJobAsync(name, "scenario: sleep", gitAware: false);
            await client.StartJobAsync(job);
            await client.WaitForJobAsync(job, j => j.Status() == "running");
            await first.KillHardAsync();
        }

        await using var second = await ServerProcess.StartAsync(settings.Settings);

        var delivery = (await receiver.WaitForAsync(1, TimeSpan.FromSeconds(60))).Single();
        delivery.Type.ShouldBe("job.failed");
        WebhookReceiver.HasValidSignature(delivery, webhook.Secret).ShouldBeTrue();
        var data = delivery.Json.GetProperty("data");
        data.GetProperty("jobId").GetString().ShouldBe(job);
        data.GetProperty("error").GetString().ShouldBe("interrupted");
        second.Output.ShouldContain("stored during the start were sent to the queue");
    }

    [Fact]
    public async Task A_subscription_whose_target_became_private_is_refused_when_connecting_and_the_receiver_gets_nothing()
    {
        // Subscribed while private targets were allowed; the server then restarted with them refused (as a name that
        // resolved publicly at subscription and privately now would be): the check on each connection stops it.
        var settings = Settings(allowPrivateTargets: true);
        await settings.InitializeAsync();
        var user = settings.Accounts.Add();
        await using var receiver = await WebhookReceiver.StartAsync();
        WebhookApi.Created webhook;
        await using (var first = await ServerProcess.StartAsync(settings.Settings))
        {
            webhook = await (await first.LoginAsync(user)).CreateWebhookAsync(receiver.Url, "repository.cloned");
        }

        settings.With("Webhooks:AllowPrivateTargets", "false");
        await using var second = await ServerProcess.StartAsync(settings.Settings);
        var client = await second.LoginAsync(user);
        await client.CloneRepositoryAsync(settings);

        var log = await client.WaitForDeliveriesAsync(webhook.Id, l => l.GetArrayLength() == 1 && l[0].GetProperty("status").GetString() == "gave_up");
        var attempts = log[0].GetProperty("attempts").EnumerateArray().ToList();
        attempts.ShouldAllBe(a => a.GetProperty("statusCode").ValueKind == JsonValueKind.Null);
        attempts[0].GetProperty("error").GetString()!.ShouldContain("private targets are refused");
        // What the name resolved to is not told to the subscriber: only its kind.
        attempts.ShouldAllBe(a => !a.GetProperty("error").GetString()!.Contains("resolves to 127.0.0.1"));
        receiver.Received.ShouldBeEmpty();
    }

    private static ApiFactory Settings(bool allowPrivateTargets)
    {
        var settings = new ApiFactory()
            .With("Webhooks:AllowPrivateTargets", allowPrivateTargets ? "true" : "false")
            .With("Webhooks:TimeoutSeconds", "5");
        for (var i = 0; i < WebhooksApiFactory.RetryDelays.Length; i++)
        {
            settings.With($"Webhooks:RetryDelays:{i}", WebhooksApiFactory.RetryDelays[i]);
        }

        return settings;
    }
}
