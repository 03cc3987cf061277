using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>
/// The pipeline's steps as the <see cref="Job"/> decides them, given its events, when a step is asked, then the events
/// it answers or the refusal. The pipeline records nothing the job did not decide.
/// </summary>
public sealed class JobPipelineStepTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static JobCreated Created(bool gitAware = false, bool cidxAware = false, string prompt = "do it") =>
        Job.Create("j1", "alice", "repo", prompt, [], new JobOptions(60, gitAware, cidxAware, null, null), "/jobs/j1/workspace", Now);

    private static readonly JobQueued Queued = new("j1", Now);
    private static readonly JobPipelineStarted Taken = new("j1", "node", Now);
    private static readonly WorkspacePrepared Workspace = new("j1", "/jobs/j1/workspace", "reflink", 3, 30, 1, Now);
    private static readonly AgentStarted Agent = new("j1", 42, 7, "node", Now);

    private static readonly AgentRun Success = new(0, true, false, "success", "done", "s1", 0.1m, 2, 100, null);

    private static Job Given(params object[] events) => Job.From(events);

    /// <summary>Runs the steps in order against the job, each applied before the next is asked, as the journal does.</summary>
    private static (Job Job, List<object> Recorded) When(Job job, params Func<Job, Result<object>>[] steps)
    {
        var recorded = new List<object>();
        foreach (var step in steps)
        {
            var decided = step(job);
            decided.IsSuccess.ShouldBeTrue(decided.Error?.Message);
            job.Evolve(decided.Value);
            recorded.Add(decided.Value);
        }

        return (job, recorded);
    }

    [Fact]
    public void A_job_without_git_or_index_goes_from_taken_to_completed()
    {
        var taken = Given(Created(), Queued);
        taken.BeginPipeline("node", Now).Value.ShouldBe(Taken);

        var (job, recorded) = When(Given(Created(), Queued, Taken),
            j => j.SkipPull(Now),
            j => j.RecordWorkspace("reflink", 3, 30, 1, "abc", Now),
            j => j.ResolvePrompt(Now),
            j => j.RecordAgentStarted(42, 7, "node", Now),
            j => j.RecordSaid("working", Now),
            j => j.Finish(Success, Now));

        recorded.Select(e => e.GetType()).ShouldBe([
            typeof(GitPullSkipped), typeof(WorkspacePrepared), typeof(PromptResolved), typeof(AgentStarted), typeof(AgentSaid), typeof(JobCompleted)]);
        job.Status.ShouldBe(JobStatus.Completed);
        job.ResolvedPrompt.ShouldBe("do it");
    }

    [Fact]
    public void A_git_and_index_job_passes_through_every_status()
    {
        var statuses = new List<JobStatus>();
        var job = Given(Created(gitAware: true, cidxAware: true), Queued, Taken);
        foreach (var step in new Func<Job, Result<object>>[]
                 {
                     j => j.StartPull(Now), j => j.RecordPulled("abc", true, Now), j => j.RecordWorkspace("reflink", 1, 1, 1, "abc", Now),
                     j => j.ResolvePrompt(Now), j => j.StartIndex(Now), j => j.RecordIndexServicesStarted(Now),
                     j => j.RecordIndex(true, null, 5, Now), j => j.RecordAgentStarted(1, 1, "node", Now),
                     j => j.RecordIndexStopped(null, Now), j => j.Finish(Success, Now),
                 })
        {
            When(job, step);
            statuses.Add(job.Status);
        }

        statuses.Distinct().ShouldBe([JobStatus.GitPulling, JobStatus.CidxIndexing, JobStatus.CidxReady, JobStatus.Running, JobStatus.Completed]);
    }

    [Fact]
    public void What_the_agent_changed_is_summarized_after_it_ran_against_the_commit_the_workspace_was_made_from()
    {
        var (job, recorded) = When(Given(Created(), Queued, Taken),
            j => j.SkipPull(Now),
            j => j.RecordWorkspace("reflink", 3, 30, 1, "abc123", Now),
            j => j.ResolvePrompt(Now),
            j => j.RecordAgentStarted(42, 7, "node", Now),
            j => j.SummarizeChanges(2, 10, 4, Now),
            j => j.Finish(Success, Now));

        job.BaseCommit.ShouldBe("abc123");
        recorded.OfType<ChangesSummarized>().Single().ShouldBe(new ChangesSummarized("j1", 2, 10, 4, Now));
        job.SummarizeChanges(1, 1, 1, Now).Error!.Code.ShouldBe("job-finished");
    }

    [Fact]
    public void No_summary_before_the_agent_ran_nor_for_a_workspace_without_a_base_commit()
    {
        Given(Created(), Queued, Taken, new GitPullSkipped("j1", GitStatus.NotChecked, "", Now), Workspace with { BaseCommit = "abc" })
            .SummarizeChanges(1, 1, 1, Now).Error!.Code.ShouldBe("job-step-out-of-order");
        Given(Created(), Queued, Taken, new GitPullSkipped("j1", GitStatus.NotGitRepo, "", Now), Workspace, Agent)
            .SummarizeChanges(1, 1, 1, Now).Error!.Code.ShouldBe("job-step-out-of-order");
    }

    [Fact]
    public void A_failed_pull_ends_the_job_and_nothing_follows()
    {
        var (job, _) = When(Given(Created(gitAware: true), Queued, Taken), j => j.StartPull(Now), j => j.RecordPullFailed("unreachable", Now));

        job.Status.ShouldBe(JobStatus.GitFailed);
        job.RecordWorkspace("reflink", 1, 1, 1, "abc", Now).Error!.Code.ShouldBe("job-finished");
        job.Stop(StopReason.Cancelled, null, null, Now).Error!.Code.ShouldBe("job-finished");
    }

    public static TheoryData<object> Endings() =>
    [
        new JobCompleted("j1", new AgentResult("ok", null, null, null, null, 0), Now),
        new JobFailed("j1", "x", null, Now),
        new JobTimedOut("j1", 60, null, Now),
        new JobCancelled("j1", null, Now),
    ];

    [Theory]
    [MemberData(nameof(Endings))]
    public void A_finished_job_refuses_every_step_and_a_second_end(object ending)
    {
        var job = Given(Created(cidxAware: true), Queued, Taken, Workspace, Agent, ending);

        foreach (var step in new Func<Job, Result<object>>[]
                 {
                     j => j.StartIndex(Now), j => j.RecordSaid("late", Now), j => j.RecordToolUse("Bash", "ls", Now), j => j.Finish(Success, Now),
                     j => j.Stop(StopReason.Cancelled, null, null, Now), j => j.Stop(StopReason.Failed, "interrupted", null, Now),
                 })
        {
            step(job).Error!.Code.ShouldBe("job-finished");
        }

        job.BeginPipeline("node", Now).IsSuccess.ShouldBeFalse();
        job.Cancel("alice", Now).Error!.Code.ShouldBe("job-finished");
    }

    [Fact]
    public void A_job_no_pipeline_took_refuses_pipeline_steps()
    {
        var queued = Given(Created(), Queued);

        queued.SkipPull(Now).Error!.Code.ShouldBe("job-not-in-pipeline");
        queued.Stop(StopReason.Failed, "interrupted", null, Now).Error!.Code.ShouldBe("job-not-in-pipeline");
    }

    [Fact]
    public void A_redelivered_message_does_not_take_the_job_twice()
    {
        Given(Created(), Queued, Taken).BeginPipeline("other", Now).Error!.Code.ShouldBe("job-not-runnable");
        Given(Created(), Queued, new JobCancellationRequested("j1", "alice", Now), new JobCancelled("j1", null, Now))
            .BeginPipeline("node", Now).IsSuccess.ShouldBeFalse();
    }

    [Fact]
    public void Steps_out_of_order_are_refused()
    {
        var taken = Given(Created(gitAware: true), Queued, Taken);

        taken.RecordAgentStarted(1, 1, "node", Now).Error!.Code.ShouldBe("job-step-out-of-order");
        taken.RecordPulled("abc", false, Now).Error!.Code.ShouldBe("job-step-out-of-order");
        taken.SkipPull(Now).Error!.Code.ShouldBe("job-step-out-of-order");
        taken.StartIndex(Now).Error!.Code.ShouldBe("job-step-out-of-order");
        Given(Created(), Queued, Taken).StartPull(Now).Error!.Code.ShouldBe("job-step-out-of-order");
        Given(Created(), Queued, Taken, Workspace).RecordSaid("too early", Now).Error!.Code.ShouldBe("job-step-out-of-order");
        Given(Created(), Queued, Taken, Workspace, Agent).RecordAgentStarted(2, 2, "node", Now).Error!.Code.ShouldBe("job-step-out-of-order");
    }

    [Fact]
    public void The_agent_s_long_texts_are_cut()
    {
        var said = Given(Created(), Queued, Taken, Workspace, Agent).RecordSaid(new string('x', AgentSaid.MaxLength + 10), Now).Value;

        said.ShouldBeOfType<AgentSaid>().Text.Length.ShouldBe(AgentSaid.MaxLength + 1);
    }

    [Fact]
    public void Only_a_finished_or_deleted_job_s_files_are_removed_and_recorded()
    {
        var completed = new JobCompleted("j1", new AgentResult("ok", null, null, null, null, 0), Now);

        Given(Created(), Queued, Taken, Workspace).RecordRemoval("retention", true, null, Now).Error!.Code.ShouldBe("job-active");
        Given(Created(), Queued, Taken, Workspace, Agent, completed).RecordRemoval("retention", true, null, Now).Value!
            .ShouldHaveSingleItem().ShouldBeOfType<WorkspaceRemoved>();
        Given(Created(), Queued, Taken, Workspace, Agent, completed).RecordRemoval("retention", false, null, Now).Value!.ShouldBeEmpty();
        Given(Created(), Queued, Taken, Workspace, Agent, completed).RecordRemoval("retention", false, "busy", Now).Value!
            .ShouldHaveSingleItem().ShouldBeOfType<WorkspaceRemovalFailed>();
        Given(Created(), new JobDeleted("j1", "alice", false, false, Now)).RecordRemoval("deleted", false, null, Now).Value!
            .ShouldHaveSingleItem().ShouldBeOfType<WorkspaceRemoved>();
    }
}
