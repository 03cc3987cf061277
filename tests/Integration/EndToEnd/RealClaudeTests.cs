using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Xunit.Abstractions;

namespace ClaudeBatch.Integration.Tests.EndToEnd;

/// <summary>
/// The real Claude Code CLI (pinned, installed by scripts/test.sh), run by the server as the job's OS user, talking
/// to the fake model API: what users will see with the real thing.
/// </summary>
[Trait("Category", "E2E")]
public sealed class RealClaudeTests(RealClaudeFixture fixture, ITestOutputHelper output) : IClassFixture<RealClaudeFixture>
{
    private ApiFactory Api => fixture.Api;

    [Fact]
    public async Task Readiness_shows_the_version_the_real_CLI_says()
    {
        var response = await (await Api.LoginAsync(Api.Accounts.Add())).GetAsync("/health/ready");

        var agent = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("agent");
        agent.GetProperty("status").GetString().ShouldBe("Healthy", agent.ToString());
        agent.GetProperty("data").GetProperty("version").GetString().ShouldMatch(@"^\d+\.\d+\.\d+ \(Claude Code\)$");
    }

    [Fact]
    public async Task A_plain_answer_completes_with_the_scripted_text_its_session_and_its_cost()
    {
        var (client, repository) = await AliceWithRepositoryAsync();

        var watch = Stopwatch.StartNew();
        var job = await client.RunJobAsync(repository, "e2e:answer\nWhat is the answer?", gitAware: false);
        output.WriteLine($"start → completed with the real CLI: {watch.ElapsedMilliseconds} ms");

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("output").GetString().ShouldBe(FakeAnthropicApi.AnswerText);
        Guid.TryParse(job.GetProperty("sessionId").GetString(), out _).ShouldBeTrue(job.ToString());
        job.GetProperty("costUsd").ValueKind.ShouldBe(JsonValueKind.Number, job.ToString());
        var request = fixture.Model.RequestsFor("answer").First();
        request["system"]!.ToJsonString().ShouldContain("grep");
    }

    [Fact]
    public async Task A_file_the_model_makes_with_a_tool_is_in_the_workspace_owned_by_the_user_and_downloadable()
    {
        var (client, repository) = await AliceWithRepositoryAsync();
        var (uid, _, _) = OsUsers.Describe(OsUsers.Alice);

        var job = await client.RunJobAsync(repository, "e2e:write-file\nMake the file.", gitAware: false);

        job.Status().ShouldBe("completed", job.ToString());
        var file = Path.Combine(job.GetProperty("cowPath").GetString()!, FakeAnthropicApi.MadeFile);
        File.ReadAllText(file).ShouldBe("hello-from-claude\n");
        new FileInfo(file).UnixFileMode.ShouldNotBe(default);
        OsUsers.OwnerUid(file).ShouldBe(uid);
        var download = await client.GetAsync($"/jobs/{job.GetProperty("jobId").GetString()}/files/download?path={FakeAnthropicApi.MadeFile}");
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await download.Content.ReadAsStringAsync()).ShouldBe("hello-from-claude\n");
        var events = await client.EventsAsync(job.GetProperty("jobId").GetString()!);
        events.ShouldContain(e => e.GetProperty("type").GetString() == "AgentToolUsed");
    }

    [Theory]
    [InlineData("api-401", "Invalid API key")]
    [InlineData("api-500", "500")]
    public async Task An_api_error_fails_the_job_quickly_with_the_api_error_text(string scenario, string expected)
    {
        var (client, repository) = await AliceWithRepositoryAsync();

        var watch = Stopwatch.StartNew();
        var job = await client.RunJobAsync(repository, $"e2e:{scenario}\nAnything.", gitAware: false);
        output.WriteLine($"{scenario}: failed after {watch.ElapsedMilliseconds} ms");

        job.Status().ShouldBe("failed", job.ToString());
        job.GetProperty("error").GetString()!.ShouldContain(expected, Case.Insensitive, job.ToString());
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), "retries must be limited");
    }

    [Fact]
    public async Task Exceeding_maxTurns_fails_the_job()
    {
        var (client, repository) = await AliceWithRepositoryAsync();

        var jobId = await client.CreateJobAsync(repository, "e2e:loop\nKeep going.", gitAware: false, maxTurns: 2);
        await client.StartJobAsync(jobId);
        var job = await client.WaitForJobAsync(jobId);

        job.Status().ShouldBe("failed", job.ToString());
        job.GetProperty("error").GetString()!.ShouldContain("turn limit");
    }

    [Fact]
    public async Task A_job_of_one_user_cannot_read_another_users_private_file()
    {
        var (_, _, bobHome) = OsUsers.Describe(OsUsers.Bob);
        var secret = Path.Combine(bobHome, "e2e-secret-" + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllText(secret, "bob only");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            var (client, repository) = await AliceWithRepositoryAsync();

            var job = await client.RunJobAsync(repository, $"e2e:read-other\nRead this file:\n{secret}\n", gitAware: false);

            job.Status().ShouldBe("completed", job.ToString());
            var attempt = File.ReadAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "attempt.txt"));
            attempt.ShouldContain("Permission denied");
            attempt.ShouldNotContain("bob only");
            attempt.ShouldContain("exit=1");
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Fact]
    public async Task The_stream_shows_the_tool_use_and_its_result_live_and_a_reconnect_resumes_without_duplicates()
    {
        var (client, repository) = await AliceWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "e2e:slow-tool\nTake your time.", gitAware: false);

        var first = new List<SseFrame>();
        var latencies = new List<double>();
        using (var stream = await client.OpenStreamAsync(jobId))
        {
            await client.StartJobAsync(jobId);
            await foreach (var frame in stream.ReadFramesAsync())
            {
                if (frame.Comment is not null)
                {
                    continue;
                }

                first.Add(frame);
                latencies.Add((frame.ReceivedAt - frame.Json.GetProperty("at").GetDateTimeOffset().UtcDateTime).TotalMilliseconds);
                if (frame.Event == "message" && frame.Json.GetProperty("type").GetString() == "AgentToolUsed")
                {
                    break;
                }
            }
        }

        var toolUse = first[^1];
        toolUse.Json.GetProperty("data").GetProperty("summary").GetString().ShouldBe("sleep 2; echo slept");
        (await client.GetJobAsync(jobId)).Status().ShouldBe("running", "the tool use was seen while the tool was still running");

        using var again = await client.OpenStreamAsync(jobId, lastEventId: toolUse.Id);
        var rest = (await again.ReadToEndAsync(TimeSpan.FromSeconds(90))).ToList();
        var events = rest.Where(f => f.Comment is null).ToList();

        events[0].Id.ShouldBe(toolUse.Id + 1);
        var ids = first.Concat(events).Select(f => f.Id!.Value).ToList();
        ids.ShouldBe(Enumerable.Range(1, ids.Count).Select(i => (long)i).ToList());
        var returned = events.First(f => f.Event == "message" && f.Json.GetProperty("type").GetString() == "AgentToolReturned");
        returned.Json.GetProperty("data").GetProperty("summary").GetString().ShouldBe("slept");
        rest.ShouldContain(f => f.Comment != null && f.Comment.StartsWith("heartbeat"), "the 2 s tool is longer than the 1 s heartbeat");
        events[^1].Json.GetProperty("status").GetString().ShouldBe("completed");
        latencies.Sort();
        output.WriteLine($"SSE delivery (stored → received), live part: median {latencies[latencies.Count / 2]:F1} ms, max {latencies[^1]:F1} ms over {latencies.Count} events");
    }

    [Fact]
    public async Task A_follow_up_resumes_the_real_session_and_the_model_sees_the_first_turn()
    {
        var (client, repository) = await AliceWithRepositoryAsync();
        var first = await client.RunJobAsync(repository, "e2e:recall\nWhat is the answer?", gitAware: false);
        first.Status().ShouldBe("completed", first.ToString());
        var jobId = first.GetProperty("jobId").GetString()!;
        var session = first.GetProperty("sessionId").GetString();

        var response = await client.PostAsync(
            $"/jobs/{jobId}/prompts", new StringContent("""{"prompt":"Say it once more, louder."}""", System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var second = await client.WaitForJobAsync(jobId, job => job.GetProperty("turn").GetInt32() == 2 && job.Status() is "completed" or "failed");
        second.Status().ShouldBe("completed", second.ToString());

        // The second turn's request to the model holds the first turn's prompt and answer, then the new prompt.
        var resumed = fixture.Model.RequestsFor("recall").Last(r => r.ToJsonString().Contains("louder", StringComparison.Ordinal));
        var conversation = resumed["messages"]!.AsArray().Select(m => (m!["role"]!.GetValue<string>(), m["content"]!.ToJsonString())).ToList();
        conversation.Count.ShouldBeGreaterThanOrEqualTo(3, resumed.ToJsonString());
        conversation[0].Item2.ShouldContain("What is the answer?");
        conversation.ShouldContain(m => m.Item1 == "assistant" && m.Item2.Contains(FakeAnthropicApi.AnswerText));
        conversation[^1].Item2.ShouldContain("louder");

        second.GetProperty("sessionId").GetString().ShouldBe(session);
        var turns = second.GetProperty("turns").EnumerateArray().ToList();
        turns.Count.ShouldBe(2);
        turns.ShouldAllBe(t => t.GetProperty("sessionId").GetString() == session && t.GetProperty("costUsd").ValueKind == JsonValueKind.Number);
        second.GetProperty("totalCostUsd").GetDecimal().ShouldBe(turns.Sum(t => t.GetProperty("costUsd").GetDecimal()));
    }

    private async Task<(HttpClient Client, string Repository)> AliceWithRepositoryAsync()
    {
        var user = Api.Accounts.AddOsUser(OsUsers.Alice);
        var client = await Api.LoginAsync(user);
        var name = $"e2e-{Guid.NewGuid():N}"[..16];
        var (source, _) = Api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# e2e\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (client, name);
    }
}
