using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// <c>POST /jobs/{id}/prompts</c>: a finished job's next turn resumes the agent's session in the same workspace, as the
/// same user — the fake agent keeps its conversations where the real CLI does (per config folder and working
/// directory), so a turn that ran anywhere else, or without <c>--resume</c>, would not know the earlier prompts.
/// </summary>
public sealed class FollowUpTests : IAsyncLifetime
{
    private readonly ApiFactory api = new ApiFactory().With("Impersonation:Mode", "setpriv");

    private HttpClient client = null!;
    private string repository = null!;

    public async Task InitializeAsync()
    {
        await api.InitializeAsync();
        var alice = api.Accounts.AddOsUser(OsUsers.Alice);
        client = await api.LoginAsync(alice);
        repository = $"follow-{Guid.NewGuid():N}"[..20];
        var (source, _) = api.Sources.Create(repository, new Dictionary<string, string> { ["README.md"] = "# repo\n" });
        (await client.RegisterAsync(repository, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(repository)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
    }

    public Task DisposeAsync() => ((IAsyncLifetime)api).DisposeAsync();

    [Fact]
    public async Task Each_turn_resumes_the_conversation_in_the_same_workspace_and_the_view_keeps_every_turn()
    {
        var first = await client.RunJobAsync(repository, "scenario: recall\nfirst question");
        var jobId = first.GetProperty("jobId").GetString()!;
        first.Status().ShouldBe("completed", first.ToString());
        first.GetProperty("output").GetString().ShouldBe("nothing earlier");
        var session = first.GetProperty("sessionId").GetString()!;

        // An upload between turns lands in the workspace's files/, the user's, and its placeholder resolves in the new prompt.
        (await client.UploadTextAsync(jobId, "notes.txt", "remember me\n")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var queued = await FollowUpAsync(jobId, "scenario: recall\nsecond, see {{notes.txt}}");
        (queued.GetProperty("status").GetString(), queued.GetProperty("turn").GetInt32()).ShouldBe(("queued", 2));
        var second = await client.WaitForJobAsync(jobId, job => job.GetProperty("turn").GetInt32() == 2 && job.Status() == "completed");
        second.GetProperty("output").GetString().ShouldBe("first question");
        second.GetProperty("resolvedPrompt").GetString().ShouldBe("scenario: recall\nsecond, see files/notes.txt");
        var notes = Path.Combine(first.GetProperty("cowPath").GetString()!, "files", "notes.txt");
        File.ReadAllText(notes).ShouldBe("remember me\n");
        OsUsers.OwnerUid(notes).ShouldBe(OsUsers.Describe(OsUsers.Alice).Uid);

        await FollowUpAsync(jobId, "scenario: recall\nthird");
        var third = await client.WaitForJobAsync(jobId, job => job.GetProperty("turn").GetInt32() == 3 && job.Status() == "completed");
        third.GetProperty("output").GetString().ShouldBe("first question | second, see files/notes.txt");

        var turns = third.GetProperty("turns").EnumerateArray().ToList();
        turns.Select(t => t.GetProperty("turn").GetInt32()).ShouldBe([1, 2, 3]);
        turns.Select(t => t.GetProperty("prompt").GetString()).ShouldBe(
            ["scenario: recall\nfirst question", "scenario: recall\nsecond, see {{notes.txt}}", "scenario: recall\nthird"]);
        turns.ShouldAllBe(t => t.GetProperty("status").GetString() == "completed" && t.GetProperty("sessionId").GetString() == session);
        turns.Select(t => t.GetProperty("output").GetString()).ShouldBe(
            ["nothing earlier", "first question", "first question | second, see files/notes.txt"]);
        turns.ShouldAllBe(t => t.GetProperty("startedAt").ValueKind == JsonValueKind.String && t.GetProperty("completedAt").ValueKind == JsonValueKind.String);
        third.GetProperty("totalCostUsd").GetDecimal().ShouldBe(0.03m);
        third.GetProperty("costUsd").GetDecimal().ShouldBe(0.01m);
        third.GetProperty("prompt").GetString().ShouldBe("scenario: recall\nfirst question");
        var listed = JsonDocument.Parse(await client.GetStringAsync("/jobs")).RootElement.GetProperty("jobs").EnumerateArray()
            .Single(j => j.GetProperty("jobId").GetString() == jobId);
        (listed.GetProperty("turn").GetInt32(), listed.GetProperty("totalCostUsd").GetDecimal(), listed.GetProperty("costUsd").GetDecimal())
            .ShouldBe((3, 0.03m, 0.01m));

        // One stream, every turn in order: replayed whole, or resumed after the first turn's end.
        var events = await client.EventsAsync(jobId);
        var types = events.Select(e => e.GetProperty("type").GetString()).ToList();
        types.Count(t => t == "FollowUpRequested").ShouldBe(2);
        types.Count(t => t == "JobCompleted").ShouldBe(3);
        types.Count(t => t == "GitPullStarted").ShouldBe(1);
        types.Count(t => t == "WorkspacePrepared").ShouldBe(1);
        var frames = await (await client.OpenStreamAsync(jobId)).ReadToEndAsync();
        frames.Where(f => f.Event == "status").Select(f => f.Json.GetProperty("status").GetString()).ShouldBe(
            ["created", "queued", "git_pulling", "running", "completed", "queued", "running", "completed", "queued", "running", "completed"]);
        var firstEnd = frames.First(f => f.Event == "status" && f.Json.GetProperty("status").GetString() == "completed").Id!.Value;
        var resumed = await (await client.OpenStreamAsync(jobId, firstEnd)).ReadToEndAsync();
        resumed.Take(2).Select(f => f.Json.GetProperty("type").GetString()).ShouldBe(["FileStaged", "FollowUpRequested"]);
        resumed.Where(f => f.Event == "status").Select(f => f.Json.GetProperty("status").GetString()).ShouldBe(
            ["queued", "running", "completed", "queued", "running", "completed"]);
    }

    [Fact]
    public async Task A_follow_up_is_refused_while_the_job_has_not_run_or_still_runs_and_for_another_user()
    {
        var created = await client.CreateJobAsync(repository, "scenario: success");
        (await (await PostFollowUpAsync(created, "more")).ShouldBeProblem(HttpStatusCode.Conflict))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:job-not-started");

        var sleeping = await client.CreateJobAsync(repository, "scenario: sleep");
        await client.StartJobAsync(sleeping);
        await client.WaitForJobAsync(sleeping, job => job.Status() == "running");
        (await (await PostFollowUpAsync(sleeping, "more")).ShouldBeProblem(HttpStatusCode.Conflict))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:job-not-finished");
        (await client.PostAsync($"/jobs/{sleeping}/cancel", null)).EnsureSuccessStatusCode();
        var cancelled = await client.WaitForJobAsync(sleeping);
        cancelled.Status().ShouldBe("cancelled");

        // A cancelled turn can be answered: the session the agent had started is resumed.
        var done = await client.RunJobAsync(repository, "scenario: recall\nfirst");
        var doneId = done.GetProperty("jobId").GetString()!;
        var bob = await api.LoginAsync(api.Accounts.Add());
        (await (await bob.PostAsJsonAsync($"/jobs/{doneId}/prompts", new { prompt = "mine now" })).ShouldBeProblem(HttpStatusCode.NotFound))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:job-not-found");
        (await (await PostFollowUpAsync(doneId, "")).ShouldBeProblem(HttpStatusCode.BadRequest)).ToString().ShouldContain("Prompt");
        (await client.GetJobAsync(doneId)).GetProperty("turn").GetInt32().ShouldBe(1);

        // Queued again: a second follow-up waits for the first.
        await FollowUpAsync(doneId, "scenario: sleep");
        (await (await PostFollowUpAsync(doneId, "and more")).ShouldBeProblem(HttpStatusCode.Conflict))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:job-not-finished");
        (await client.PostAsync($"/jobs/{doneId}/cancel", null)).EnsureSuccessStatusCode();
        var turn2 = await client.WaitForJobAsync(doneId);
        (turn2.Status(), turn2.GetProperty("turn").GetInt32()).ShouldBe(("cancelled", 2));
        turn2.GetProperty("turns")[0].GetProperty("status").GetString().ShouldBe("completed");
        turn2.GetProperty("turns")[1].GetProperty("status").GetString().ShouldBe("cancelled");
    }

    [Fact]
    public async Task Without_its_workspace_or_a_session_a_job_cannot_be_continued()
    {
        var failed = await client.RunJobAsync(repository, "scenario: crash-early");
        failed.Status().ShouldBe("failed");
        (await (await PostFollowUpAsync(failed.GetProperty("jobId").GetString()!, "again")).ShouldBeProblem(HttpStatusCode.Conflict))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:no-session");

        var finished = await client.RunJobAsync(repository, "scenario: recall\nonce");
        var jobId = finished.GetProperty("jobId").GetString()!;
        using (var scope = api.Services.CreateScope())
        {
            // Retention runs with "now - Jobs:RetentionDays"; a cut-off in the future stands for a job that old.
            await scope.ServiceProvider.GetRequiredService<RemoveExpiredWorkspaces.Handler>()
                .HandleAsync(new RemoveExpiredWorkspaces(DateTimeOffset.UtcNow.AddMinutes(1)), CancellationToken.None);
        }

        (await (await PostFollowUpAsync(jobId, "again")).ShouldBeProblem(HttpStatusCode.Gone))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:workspace-removed");
        (await (await client.UploadTextAsync(jobId, "late.txt", "x")).ShouldBeProblem(HttpStatusCode.Conflict))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:job-not-editable");

        // A repository removed ends what its jobs may still do: a follow-up is taken, and its turn fails saying why.
        var kept = await client.RunJobAsync(repository, "scenario: recall\nbefore removal");
        (await client.DeleteAsync($"/repositories/{repository}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await FollowUpAsync(kept.GetProperty("jobId").GetString()!, "scenario: recall\nafter removal");
        var refused = await client.WaitForJobAsync(kept.GetProperty("jobId").GetString()!, job => job.GetProperty("turn").GetInt32() == 2 && job.Status() == "failed");
        refused.GetProperty("error").GetString()!.ShouldContain("no longer registered");
    }

    [Fact]
    public async Task An_upload_between_turns_never_follows_a_link_the_user_planted_where_files_goes()
    {
        // ATTACK: the user's agent makes files/ a link to a folder only root may write; the server places the next
        // turn's uploads as root, so a path-following copy would write (or overwrite) there.
        var victim = Directory.CreateTempSubdirectory("cbtest-victim-");
        try
        {
            File.WriteAllText(Path.Combine(victim.FullName, "report.txt"), "root's\n");
            var first = await client.RunJobAsync(repository, $"scenario: symlinks\nfiles -> {victim.FullName}");
            first.Status().ShouldBe("completed", first.ToString());
            var jobId = first.GetProperty("jobId").GetString()!;
            var files = Path.Combine(first.GetProperty("cowPath").GetString()!, "files");
            new FileInfo(files).LinkTarget.ShouldBe(victim.FullName);

            (await client.UploadTextAsync(jobId, "report.txt", "the user's\n")).StatusCode.ShouldBe(HttpStatusCode.OK);
            await FollowUpAsync(jobId, "scenario: recall\nread {{report.txt}}");
            var second = await client.WaitForJobAsync(jobId, job => job.GetProperty("turn").GetInt32() == 2 && job.Status() == "completed");

            second.GetProperty("resolvedPrompt").GetString().ShouldBe("scenario: recall\nread files/report.txt");
            File.ReadAllText(Path.Combine(victim.FullName, "report.txt")).ShouldBe("root's\n");
            Directory.GetFileSystemEntries(victim.FullName).ShouldBe([Path.Combine(victim.FullName, "report.txt")]);
            new FileInfo(files).LinkTarget.ShouldBeNull();
            File.ReadAllText(Path.Combine(files, "report.txt")).ShouldBe("the user's\n");
            var alice = OsUsers.Describe(OsUsers.Alice).Uid;
            (OsUsers.OwnerUid(files), OsUsers.OwnerUid(Path.Combine(files, "report.txt"))).ShouldBe((alice, alice));
        }
        finally
        {
            victim.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_link_the_agent_put_where_cidx_keeps_its_state_does_not_tell_the_next_turn_what_root_can_see()
    {
        // The fake cidx logs its calls into the state folder; as the job's user it may only if the folder lets it.
        File.SetUnixFileMode(api.FakeStatePath, (UnixFileMode)Convert.ToInt32("1777", 8));
        // A folder only root may look into, and the agent's link to it where cidx keeps its state.
        var hidden = Path.Combine(api.RootPath, $"root-only-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(hidden, "inside"));
        File.SetUnixFileMode(hidden, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var created = await client.PostAsJsonAsync("/jobs", new
        {
            prompt = $"scenario: symlinks\n.code-indexer -> {hidden}/inside",
            repository,
            options = new { gitAware = false, cidxAware = true },
        });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("jobId").GetString()!;
        await client.StartJobAsync(jobId);
        var first = await client.WaitForJobAsync(jobId);
        first.Status().ShouldBe("completed", first.ToString());
        var workspace = first.GetProperty("cowPath").GetString()!;

        await FollowUpAsync(jobId, "scenario: instant");
        (await client.WaitForJobAsync(jobId, job => job.GetProperty("turn").GetInt32() == 2 && job.Status() == "completed"))
            .Status().ShouldBe("completed");

        // Each turn begins with init (no state) or fix-config (state there): the second must not answer, from root's
        // view through the link, that the hidden folder exists.
        var begun = File.ReadAllLines(Path.Combine(api.FakeStatePath, "cidx-calls.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(c => c.GetProperty("cwd").GetString() == workspace)
            .Select(c => c.GetProperty("argv")[0].GetString())
            .Where(step => step is "init" or "fix-config")
            .ToList();
        begun.ShouldBe(["init", "init"]);
    }

    private Task<HttpResponseMessage> PostFollowUpAsync(string jobId, string prompt) =>
        client.PostAsJsonAsync($"/jobs/{jobId}/prompts", new { prompt });

    private async Task<JsonElement> FollowUpAsync(string jobId, string prompt)
    {
        var response = await PostFollowUpAsync(jobId, prompt);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement;
    }
}
