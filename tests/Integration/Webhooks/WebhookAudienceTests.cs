using System.Net;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Webhooks;

/// <summary>
/// A webhook event is enqueued only when its owner has a subscription to it (issue #20), decided when its fact is
/// stored: a subscription made while a job runs still hears the job's end.
/// </summary>
public sealed class WebhookAudienceTests(WebhooksApiFactory api) : IClassFixture<WebhooksApiFactory>
{
    [Fact]
    public async Task Only_the_events_someone_subscribed_to_are_enqueued()
    {
        var (unsubscribed, unsubscribedRepository, _) = await api.UserWithRepositoryAsync();
        var quiet = await unsubscribed.CreateJobAsync(unsubscribedRepository, "scenario: instant", gitAware: false);
        await unsubscribed.StartJobAsync(quiet);

        var (subscribed, repository, _) = await api.UserWithRepositoryAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await subscribed.CreateWebhookAsync(receiver.Url, "job.completed");
        var heard = await subscribed.CreateJobAsync(repository, "scenario: instant", gitAware: false);
        await subscribed.StartJobAsync(heard);

        (await unsubscribed.WaitForJobAsync(quiet)).Status().ShouldBe("completed");
        (await subscribed.WaitForJobAsync(heard)).Status().ShouldBe("completed");
        (await receiver.WaitForAsync(1)).ShouldHaveSingleItem().Json.GetProperty("data").GetProperty("jobId").GetString().ShouldBe(heard);

        // The notification commits with its fact, so once the job reads completed, what was enqueued for it is in the inbox.
        (await NotificationsOfAsync(quiet)).ShouldBe(0);
        (await NotificationsOfAsync(heard)).ShouldBe(1);
    }

    [Fact]
    public async Task A_subscription_made_while_a_job_runs_hears_how_the_job_ends()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var job = await client.CreateJobAsync(repository, "scenario: sleep", gitAware: false);
        await client.StartJobAsync(job);
        await client.WaitForJobAsync(job, j => j.Status() == "running");

        await using var receiver = await WebhookReceiver.StartAsync();
        await client.CreateWebhookAsync(receiver.Url, "job.cancelled");
        (await client.PostAsync($"/jobs/{job}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var delivery = (await receiver.WaitForAsync(1)).ShouldHaveSingleItem();
        delivery.Type.ShouldBe("job.cancelled");
        delivery.Json.GetProperty("data").GetProperty("jobId").GetString().ShouldBe(job);
    }

    private async Task<long> NotificationsOfAsync(string jobId)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            """
            select count(*) from claudebatch.wolverine_incoming_envelopes
            where message_type like '%NotifyWebhooks' and position(convert_to($1, 'UTF8') in body) > 0
            """, connection) { Parameters = { new() { Value = jobId } } };
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
