using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClaudeBatch.Api.Idempotency;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Integration;

/// <summary>
/// <c>Idempotency-Key</c>: a client that did not hear the answer sends the same request again and gets the first answer,
/// not a second job — on the same server, on another one, whatever the spacing of its JSON.
/// </summary>
public sealed class IdempotencyKeyTests : IAsyncLifetime
{
    private readonly ApiFactory api = new();

    public Task InitializeAsync() => api.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task The_same_request_with_the_same_key_answers_the_first_response_and_makes_one_job()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var key = Guid.NewGuid().ToString();

        var first = await SendAsync(client, "/jobs", key, $$"""{"prompt":"scenario: instant","repository":"{{repository}}"}""");
        var again = await SendAsync(client, "/jobs", key, $$"""{ "repository": "{{repository}}", "prompt": "scenario: instant" }""");

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        first.Headers.Contains(IdempotencyHeaders.Replayed).ShouldBeFalse();
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.Headers.GetValues(IdempotencyHeaders.Replayed).ShouldBe(["true"]);
        again.Headers.Location.ShouldBe(first.Headers.Location);
        again.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var jobId = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetString()!;
        (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        JsonDocument.Parse(await client.GetStringAsync("/jobs")).RootElement.GetProperty("total").GetInt32().ShouldBe(1);

        // A start sent twice queues once: the second answer is the first 202, not "already queued".
        var startKey = Guid.NewGuid().ToString();
        var started = await SendAsync(client, $"/jobs/{jobId}/start", startKey, null);
        var restarted = await SendAsync(client, $"/jobs/{jobId}/start", startKey, null);
        (started.StatusCode, restarted.StatusCode).ShouldBe((HttpStatusCode.Accepted, HttpStatusCode.Accepted));
        restarted.Headers.GetValues(IdempotencyHeaders.Replayed).ShouldBe(["true"]);
        (await SendAsync(client, $"/jobs/{jobId}/start", null, null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        // A 409 may not hold tomorrow (the job is still running now): it is not kept, so the key is free again.
        var conflictKey = Guid.NewGuid().ToString();
        (await SendAsync(client, $"/jobs/{jobId}/start", conflictKey, null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await api.Services.GetRequiredService<IIdempotencyKeys>().ClaimAsync(user.Username, conflictKey, "probe", CancellationToken.None))
            .Claim.ShouldBe(IdempotencyClaim.Claimed);
        (await client.EventsAsync(jobId)).Count(e => e.GetProperty("type").GetString() == "JobQueued").ShouldBe(1);

        // The same key for another request: 422, and nothing made. Another route is another request too.
        await (await SendAsync(client, "/jobs", key, $$"""{"prompt":"something else","repository":"{{repository}}"}"""))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity);
        await (await SendAsync(client, $"/jobs/{jobId}/start", key, null)).ShouldBeProblem(HttpStatusCode.UnprocessableEntity);
        JsonDocument.Parse(await client.GetStringAsync("/jobs")).RootElement.GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Keys_are_per_user_a_refusal_is_kept_a_key_of_another_request_is_a_422_and_a_bad_key_a_400()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var (other, otherRepository, otherUser) = await api.UserWithRepositoryAsync();
        var key = Guid.NewGuid().ToString();

        (await SendAsync(client, "/jobs", key, $$"""{"prompt":"mine","repository":"{{repository}}"}""")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var theirs = await SendAsync(other, "/jobs", key, $$"""{"prompt":"theirs","repository":"{{otherRepository}}"}""");
        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.Headers.Contains(IdempotencyHeaders.Replayed).ShouldBeFalse();

        // A refusal is an answer like any other: the same request gets it again, even once it would succeed.
        var refusedKey = Guid.NewGuid().ToString();
        var body = """{"prompt":"x","repository":"not-registered-yet"}""";
        var refused = await SendAsync(client, "/jobs", refusedKey, body);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var refusedAgain = await SendAsync(client, "/jobs", refusedKey, body);
        refusedAgain.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        refusedAgain.Headers.GetValues(IdempotencyHeaders.Replayed).ShouldBe(["true"]);

        // A key claimed for another request (here directly, as another server would): 422.
        var claimedKey = Guid.NewGuid().ToString();
        var keys = api.Services.GetRequiredService<IIdempotencyKeys>();
        (await keys.ClaimAsync(otherUser.Username, claimedKey, "another request", CancellationToken.None)).Claim.ShouldBe(IdempotencyClaim.Claimed);
        (await (await SendAsync(other, "/jobs", claimedKey, body)).ShouldBeProblem(HttpStatusCode.UnprocessableEntity))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:idempotency-key-reused");

        foreach (var bad in new[] { new string('k', 256), "has space", "tab\there" })
        {
            (await (await SendAsync(client, "/jobs", bad, body)).ShouldBeProblem(HttpStatusCode.BadRequest))
                .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:invalid-idempotency-key");
        }
    }

    [Fact]
    public async Task A_request_sent_again_while_the_first_is_still_answered_is_a_409_until_it_is_answered_or_let_go()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "scenario: instant");
        var key = Guid.NewGuid().ToString();
        var keys = api.Services.GetRequiredService<IIdempotencyKeys>();

        // The first request's claim, as its server made it (the same fingerprint), its answer not given yet.
        var fingerprint = IdempotencyFilter.Fingerprint("POST", $"/jobs/{jobId}/start", [Guid.Parse(jobId)]);
        (await keys.ClaimAsync(user.Username, key, fingerprint, CancellationToken.None)).Claim.ShouldBe(IdempotencyClaim.Claimed);
        (await (await SendAsync(client, $"/jobs/{jobId}/start", key, null)).ShouldBeProblem(HttpStatusCode.Conflict))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:idempotency-key-in-flight");
        (await client.GetJobAsync(jobId)).Status().ShouldBe("created");

        // That request failed on the server's side and let the key go: the same request now runs.
        await keys.ReleaseAsync(user.Username, key, CancellationToken.None);
        (await SendAsync(client, $"/jobs/{jobId}/start", key, null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_request_sent_again_to_another_server_gets_the_first_servers_answer()
    {
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        try
        {
            var user = settings.Accounts.Add();
            await using var a = await ServerProcess.StartAsync(settings.Settings);
            await using var b = await ServerProcess.StartAsync(settings.Settings);
            var (onA, onB) = (await a.LoginAsync(user), await b.LoginAsync(user));
            var repository = "idem-" + Guid.NewGuid().ToString("N")[..8];
            var (source, _) = settings.Sources.Create(repository);
            var key = Guid.NewGuid().ToString();
            var register = $$"""{"name":"{{repository}}","gitUrl":"{{source}}"}""";

            var first = await SendAsync(onA, "/repositories/register", key, register);
            var again = await SendAsync(onB, "/repositories/register", key, register);

            first.StatusCode.ShouldBe(HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
            again.StatusCode.ShouldBe(HttpStatusCode.Created, await again.Content.ReadAsStringAsync());
            again.Headers.GetValues(IdempotencyHeaders.Replayed).ShouldBe(["true"]);
            (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
            (await SendAsync(onB, "/repositories/register", null, register)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        }
        finally
        {
            await ((IAsyncLifetime)settings).DisposeAsync();
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? key, string? json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }
}

internal static class IdempotencyHeaders
{
    public const string Replayed = "Idempotent-Replayed";
}
