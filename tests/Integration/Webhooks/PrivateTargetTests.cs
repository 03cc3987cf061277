using System.Net;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Webhooks;

/// <summary>With <c>Webhooks:AllowPrivateTargets</c> off (the default), a loopback receiver cannot be subscribed, and gets nothing.</summary>
[Collection(SecondApiCollection.Name)]
public sealed class PrivateTargetTests(ApiFactory api)
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task A_loopback_target_is_refused_and_receives_nothing(string host)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var client = await api.LoginAsync(api.Accounts.Add());
        var url = new UriBuilder(receiver.Url) { Host = host }.Uri.ToString();

        var problem = await (await client.CreateWebhookRawAsync(url, "repository.cloned")).ShouldBeProblem(HttpStatusCode.BadRequest);

        problem.GetProperty("type").GetString().ShouldEndWith("private-network-target");
        problem.GetProperty("detail").GetString()!.ShouldContain("Webhooks:AllowPrivateTargets");
        (await client.GetStringAsync("/webhooks")).ShouldBe("[]");
        await client.CloneRepositoryAsync(api);
        receiver.Received.ShouldBeEmpty();
    }
}
