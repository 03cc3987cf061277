using System.Net;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Jobs;

[Collection(SecondApiCollection.Name)]
public sealed class JobPipelineTests(ApiFactory api)
{
    [Fact]
    public async Task A_started_job_pulls_copies_runs_the_agent_and_completes_with_its_answer()
    {
        var (client, repository, user) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "Explain the repository");

        var created = await client.GetJobAsync(jobId);
        created.Status().ShouldBe("created");
        created.GetProperty("cowPath").GetString().ShouldBe(Path.Combine(api.JobsPath, jobId, "workspace"));
        var started = await client.StartJobAsync(jobId);
        started.Status().ShouldBe("queued");
        started.GetProperty("queuePosition").GetInt32().ShouldBeInRange(0, 1);

        var job = await client.WaitForJobAsync(jobId);

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("user").GetString().ShouldBe(user.Username);
        job.GetProperty("output").GetString().ShouldBe("Done: Explain the repository");
        job.GetProperty("exitCode").GetInt32().ShouldBe(0);
        job.GetProperty("gitStatus").GetString().ShouldBe("pulled");
        job.GetProperty("cidxStatus").GetString().ShouldBe("not_started");
        job.GetProperty("sessionId").GetString().ShouldNotBeNullOrEmpty();
        job.GetProperty("costUsd").GetDecimal().ShouldBe(0.0123m);
        job.GetProperty("numTurns").GetInt32().ShouldBe(1);
        job.GetProperty("workspaceStrategy").GetString().ShouldBe("full-copy");
        job.GetProperty("queuePosition").GetInt32().ShouldBe(0);
        job.GetProperty("completedAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(job.GetProperty("startedAt").GetDateTimeOffset());

        var types = (await client.EventsAsync(jobId)).Select(e => e.GetProperty("type").GetString()).ToList();
        types.ShouldBe(["JobCreated", "JobQueued", "JobPipelineStarted", "GitPullStarted", "GitPulled", "WorkspacePrepared", "PromptResolved",
            "AgentStarted", "AgentSessionStarted", "AgentSaid", "ChangesSummarized", "JobCompleted"]);
        File.ReadAllText(Path.Combine(api.JobsPath, jobId, "workspace", "src", "main.py")).ShouldBe("print(1)\n");
        File.ReadAllLines(Path.Combine(api.JobsPath, jobId, "agent.jsonl")).Length.ShouldBe(3);
    }

    [Fact]
    public async Task The_agent_gets_its_flags_as_arguments_its_prompt_on_stdin_and_a_clean_environment()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var prompt = "Quote $(touch /tmp/never) `and` 'this' \"too\"; rm -rf /";

        var job = await client.RunJobAsync(repository, prompt);

        job.Status().ShouldBe("completed");
        var invocation = FakeClaude.Invocation(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!));
        var argv = invocation.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList();
        argv.Take(5).ShouldBe(["-p", "--output-format", "stream-json", "--verbose", "--append-system-prompt"]);
        argv[5]!.ShouldStartWith("CIDX SEMANTIC SEARCH UNAVAILABLE");
        argv.ShouldContain("--dangerously-skip-permissions");
        argv.ShouldNotContain(prompt);
        invocation.GetProperty("prompt").GetString().ShouldBe(prompt);
        invocation.GetProperty("cwd").GetString().ShouldBe(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!, "workspace"));
        var environment = invocation.GetProperty("env");
        environment.GetProperty("FAKE_STATE_DIR").GetString().ShouldBe(api.FakeStatePath);
        environment.TryGetProperty("CLAUDEBATCH_TEST_POSTGRES", out _).ShouldBeFalse();
        File.Exists("/tmp/never").ShouldBeFalse();
    }

    [Fact]
    public async Task Model_and_max_turns_are_passed_when_given()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var response = await client.CreateJobRawAsync(new { prompt = "hi", repository, options = new { model = "claude-sonnet-4-5", maxTurns = 7 } });
        var jobId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetString()!;
        await client.StartJobAsync(jobId);
        await client.WaitForJobAsync(jobId);

        var argv = FakeClaude.Invocation(Path.Combine(api.JobsPath, jobId)).GetProperty("argv").EnumerateArray().Select(a => a.GetString()).ToList();

        argv[argv.IndexOf("--model") + 1].ShouldBe("claude-sonnet-4-5");
        argv[argv.IndexOf("--max-turns") + 1].ShouldBe("7");
    }

    [Theory]
    [InlineData("claude-sonnet-4-5\n")]
    [InlineData("--dangerously-skip-permissions")]
    [InlineData("a b")]
    public async Task A_model_that_is_not_one_name_is_a_400(string model)
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var response = await client.CreateJobRawAsync(new { prompt = "hi", repository, options = new { model } });

        var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").EnumerateObject().ShouldContain(e => e.Name.Contains("model", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Tool_uses_become_audit_events_and_the_agent_s_edits_stay_in_the_workspace()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: tool-write");

        job.Status().ShouldBe("completed");
        job.GetProperty("numTurns").GetInt32().ShouldBe(3);
        job.GetProperty("toolUses").GetInt32().ShouldBe(2);
        var jobId = job.GetProperty("jobId").GetString()!;
        var tools = (await client.EventsAsync(jobId)).Where(e => e.GetProperty("type").GetString() == "AgentToolUsed")
            .Select(e => (e.GetProperty("data").GetProperty("tool").GetString(), e.GetProperty("data").GetProperty("summary").GetString())).ToList();
        tools.ShouldBe([("Write", Path.Combine(api.JobsPath, jobId, "workspace", "written.txt")), ("Bash", "ls -la")]);
        File.ReadAllText(Path.Combine(api.JobsPath, jobId, "workspace", "written.txt")).ShouldBe("written by the agent\n");
        File.Exists(Path.Combine(api.RepositoriesPath, repository, "written.txt")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("scenario: is-error", "API Error: 500")]
    [InlineData("scenario: max-turns", "turn limit")]
    [InlineData("scenario: no-result", "exited with code 2 without a result")]
    public async Task An_agent_that_fails_fails_the_job_with_the_reason(string prompt, string reason)
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, prompt);

        job.Status().ShouldBe("failed", job.ToString());
        job.GetProperty("error").GetString()!.ShouldContain(reason);
        if (prompt.EndsWith("no-result"))
        {
            job.GetProperty("error").GetString()!.ShouldContain("the fake agent crashed");
            job.GetProperty("exitCode").GetInt32().ShouldBe(2);
        }
    }

    [Fact]
    public async Task A_master_clone_whose_remote_is_gone_fails_the_job_as_git_failed()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        Directory.Delete(Path.Combine(api.Sources.Root, repository), recursive: true);

        var job = await client.RunJobAsync(repository, "hello");

        job.Status().ShouldBe("git_failed", job.ToString());
        job.GetProperty("gitStatus").GetString().ShouldBe("failed");
        job.GetProperty("error").GetString().ShouldNotBeNullOrWhiteSpace();
        Directory.Exists(Path.Combine(api.JobsPath, job.GetProperty("jobId").GetString()!, "workspace")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_master_folder_that_is_not_a_git_repository_is_not_pulled_and_the_job_goes_on()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        Directory.Delete(Path.Combine(api.RepositoriesPath, repository, ".git"), recursive: true);

        var job = await client.RunJobAsync(repository, "hello");

        job.Status().ShouldBe("completed", job.ToString());
        job.GetProperty("gitStatus").GetString().ShouldBe("not_git_repo");
    }

    [Fact]
    public async Task A_job_without_gitAware_does_not_pull()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var head = GitRepos.Git(Path.Combine(api.RepositoriesPath, repository), "rev-parse", "HEAD");
        File.WriteAllText(Path.Combine(api.Sources.Root, repository, "new.txt"), "new\n");
        GitRepos.Git(Path.Combine(api.Sources.Root, repository), "add", "-A");
        GitRepos.Git(Path.Combine(api.Sources.Root, repository), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "new");

        var job = await client.RunJobAsync(repository, "hello", gitAware: false);

        job.Status().ShouldBe("completed");
        job.GetProperty("gitStatus").GetString().ShouldBe("not_checked");
        GitRepos.Git(Path.Combine(api.RepositoriesPath, repository), "rev-parse", "HEAD").ShouldBe(head);
        File.Exists(Path.Combine(job.GetProperty("cowPath").GetString()!, "new.txt")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_gitAware_job_works_on_the_latest_commit_and_the_repository_records_the_pull()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var source = Path.Combine(api.Sources.Root, repository);
        File.WriteAllText(Path.Combine(source, "new.txt"), "new\n");
        GitRepos.Git(source, "add", "-A");
        GitRepos.Git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "new");
        var head = GitRepos.Git(source, "rev-parse", "HEAD");

        var job = await client.RunJobAsync(repository, "hello");

        job.GetProperty("commitHash").GetString().ShouldBe(head);
        File.ReadAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "new.txt")).ShouldBe("new\n");
        (await client.WaitForCloneAsync(repository)).GetProperty("commitHash").GetString().ShouldBe(head);
    }
}
