using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>A follow-up re-opens a finished job for one more turn: who may ask, what resets, what the view keeps.</summary>
public sealed class FollowUpTurnTests
{
    private const string Session = "0b6c3c1e-5d2a-4f7e-9a41-2f0d8c6b7e11";
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;
    private static readonly JobCreated Created = Job.Create("j1", "alice", "repo", "first {{a.txt}}", ["pic.png"], new JobOptions(60, true, false, null, null), "/jobs/j1/workspace", Now);

    private static readonly object[] FirstTurn =
    [
        Created, new FileStaged("j1", "pic.png", "s1", "image/png", 3, "h", false, Now), new JobQueued("j1", Now),
        new JobPipelineStarted("j1", "node", Now), new GitPullStarted("j1", Now), new GitPulled("j1", "abc", false, Now),
        new WorkspacePrepared("j1", "/jobs/j1/workspace", "reflink", 1, 1, 1, Now, "abc"), new PromptResolved("j1", "first", Now),
        new AgentStarted("j1", 42, 7, "node", Now), new AgentSessionStarted("j1", Session, null, Now),
        new JobCompleted("j1", new AgentResult("done", Session, 0.5m, 2, 10, 0), Now.AddSeconds(5)),
    ];

    private static Job Given(params object[] events) => Job.From(events);

    [Fact]
    public void A_finished_job_with_a_workspace_and_a_session_takes_the_next_turn()
    {
        var followUp = Given(FirstTurn).FollowUp("more", "alice", Now).Value!;

        followUp.ShouldBe(new FollowUpRequested("j1", 2, "more", "alice", Now));
        JobLifecycle.Evolve(JobStatus.Completed, followUp).ShouldBe(JobStatus.Queued);
        JobLifecycle.Evolve(JobStatus.Completed, new JobQueued("j1", Now)).ShouldBe(JobStatus.Completed);
    }

    [Fact]
    public void The_next_turn_runs_every_per_turn_step_again_and_keeps_the_workspace_and_session()
    {
        var job = Given([.. FirstTurn, new FileStaged("j1", "a.txt", "s2", "text/plain", 1, "h", false, Now), new FollowUpRequested("j1", 2, "see {{a.txt}}", "alice", Now)]);

        (job.Status, job.Turn, job.TurnPrompt, job.SessionId, job.BaseCommit).ShouldBe((JobStatus.Queued, 2, "see {{a.txt}}", Session, "abc"));
        job.IsReadyToRun.ShouldBeTrue();
        job.UnplacedFiles.Select(f => f.FileName).ShouldBe(["a.txt"]);
        job.BeginPipeline("node", Now).IsSuccess.ShouldBeTrue();
        job.Evolve(new JobPipelineStarted("j1", "node", Now));
        job.StartPull(Now).Error!.Code.ShouldBe("job-step-out-of-order");
        job.RecordWorkspace("reflink", 1, 1, 1, "abc", Now).Error!.Code.ShouldBe("job-step-out-of-order");

        // The new prompt resolves against every upload; the first turn's images are not named again.
        var resolved = (PromptResolved)job.ResolvePrompt(Now).Value!;
        resolved.Prompt.ShouldBe("see files/a.txt");
        job.Evolve(resolved);
        job.UnplacedFiles.ShouldBeEmpty();
        job.RecordAgentStarted(43, 8, "node", Now).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public void A_follow_up_is_refused_before_the_job_ran_while_it_runs_without_workspace_or_session_and_once_deleted()
    {
        Given(Created).FollowUp("x", "alice", Now).Error!.Code.ShouldBe("job-not-started");
        Given(FirstTurn[..10]).FollowUp("x", "alice", Now).Error!.Code.ShouldBe("job-not-finished");
        Given([.. FirstTurn, new FollowUpRequested("j1", 2, "x", "alice", Now)]).FollowUp("y", "alice", Now).Error!.Code.ShouldBe("job-not-finished");
        Given([.. FirstTurn, new WorkspaceRemoved("j1", "retention", Now)]).FollowUp("x", "alice", Now).Error!.Kind.ShouldBe(ErrorKind.Gone);
        Given([.. FirstTurn, new WorkspaceRemovalFailed("j1", "busy", Now)]).FollowUp("x", "alice", Now).Error!.Kind.ShouldBe(ErrorKind.Gone);
        Given(Created, new JobQueued("j1", Now), new JobPipelineStarted("j1", "node", Now), new GitPullStarted("j1", Now), new GitPullFailed("j1", "no", Now))
            .FollowUp("x", "alice", Now).Error!.Code.ShouldBe("no-workspace");
        Given([.. FirstTurn[..9], new JobFailed("j1", "crashed", null, Now)]).FollowUp("x", "alice", Now).Error!.Code.ShouldBe("no-session");
        // The id is the agent's own output: one that is not a session id (an option, say) is never passed back to it.
        Given([.. FirstTurn[..9], new AgentSessionStarted("j1", "--dangerously-skip-permissions", null, Now), new JobFailed("j1", "x", null, Now)])
            .FollowUp("x", "alice", Now).Error!.Code.ShouldBe("no-session");
        Given([.. FirstTurn, new JobDeleted("j1", "alice", false, true, Now)]).FollowUp("x", "alice", Now).Error!.Kind.ShouldBe(ErrorKind.NotFound);
    }

    [Fact]
    public void Uploads_are_taken_between_turns_and_can_be_taken_back_until_a_turn_placed_them()
    {
        var between = Given([.. FirstTurn, new FileStaged("j1", "b.txt", "s3", "text/plain", 1, "h", false, Now)]);

        between.AllowUpload("c.txt", false, 100).IsSuccess.ShouldBeTrue();
        between.RemoveStagedFile("b.txt", Now).IsSuccess.ShouldBeTrue();
        between.RemoveStagedFile("pic.png", Now).Error!.Code.ShouldBe("file-placed");
        Given(FirstTurn[..10]).AllowUpload("c.txt", false, 100).Error!.Code.ShouldBe("job-not-editable");
    }

    [Fact]
    public void The_view_starts_each_turn_afresh_and_keeps_every_turn_with_its_cost()
    {
        object[] events =
        [
            .. FirstTurn, new FollowUpRequested("j1", 2, "more", "alice", Now.AddMinutes(1)), new JobPipelineStarted("j1", "node2", Now.AddMinutes(2)),
        ];
        var view = events.Aggregate((JobView?)null, JobView.Next)!;

        (view.Status, view.Turn, view.Node, view.QueuedAt, view.CompletedAt, view.Output, view.CostUsd).ShouldBe(
            (JobStatus.Queued, 2, "node2", Now.AddMinutes(1), null, null, null));
        view.Turns.Select(t => (t.Turn, t.Prompt, t.Status, t.CostUsd)).ShouldBe(
            [(1, "first {{a.txt}}", JobStatus.Completed, 0.5m), (2, "more", JobStatus.Queued, (decimal?)null)]);
        view.Turns[1].StartedAt.ShouldBe(Now.AddMinutes(2));

        view.When(new JobCompleted("j1", new AgentResult("again", Session, 0.25m, 1, 10, 0), Now.AddMinutes(3)));
        (view.Status, view.Output, view.CostUsd, view.TotalCostUsd()).ShouldBe((JobStatus.Completed, "again", 0.25m, 0.75m));
        view.Turns[1].ShouldSatisfyAllConditions(
            t => t.Status.ShouldBe(JobStatus.Completed), t => t.Output.ShouldBe("again"), t => t.CompletedAt.ShouldBe(Now.AddMinutes(3)));
    }

    [Fact]
    public void A_view_stored_before_turns_were_kept_shows_its_one_turn()
    {
        var old = new JobView { Prompt = "p", Status = JobStatus.Completed, CostUsd = 1m, SessionId = "s", Output = "o" };

        old.AllTurns().ShouldHaveSingleItem().ShouldSatisfyAllConditions(t => t.Turn.ShouldBe(1), t => t.Prompt.ShouldBe("p"), t => t.CostUsd.ShouldBe(1m));
        old.TotalCostUsd().ShouldBe(1m);
    }
}
