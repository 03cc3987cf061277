using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>
/// A job whose node died before its agent started is queued again (<see cref="Job.RequeueFromLostNode"/>): it runs
/// again from its pull, in the workspace of the node that takes it next; a job whose agent had started is not.
/// </summary>
public sealed class JobRequeueFromLostNodeTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static readonly JobCreated Created =
        Job.Create("j1", "alice", "repo", "p", [], new JobOptions(60, true, false, null, null), "/a/jobs/j1/workspace", Now, home: "a");

    private static readonly object[] PulledAndCopiedOnA =
    [
        Created, new JobQueued("j1", Now), new JobPipelineStarted("j1", "a", Now), new GitPullStarted("j1", Now),
        new GitPulled("j1", "abc", false, Now), new WorkspacePrepared("j1", "/a/jobs/j1/workspace", "reflink", 3, 30, 1, Now),
    ];

    [Fact]
    public void A_job_taken_by_a_lost_node_before_its_agent_is_queued_again_and_runs_every_step_again_in_the_new_workspace()
    {
        var job = Job.From(PulledAndCopiedOnA);

        var requeued = job.RequeueFromLostNode("b", "/b/jobs/j1/workspace", Now);

        requeued.IsSuccess.ShouldBeTrue(requeued.Error?.Message);
        requeued.Value.ShouldBe(new JobPipelineLost("j1", "a", "/b/jobs/j1/workspace", Now, "b"));
        job.Evolve(requeued.Value);
        (job.Status, job.Node, job.CowPath, job.BaseCommit, job.IsReadyToRun).ShouldBe((JobStatus.Queued, (string?)null, "/b/jobs/j1/workspace", (string?)null, true));
        // Its home is the node that queued it again: that node takes it as its own, without moving it once more.
        (job.Home, job.IsHomedElsewhere("b")).ShouldBe(("b", false));
        job.Evolve(job.BeginPipeline("b", Now).Value!);
        job.StartPull(Now).IsSuccess.ShouldBeTrue();
        var view = PulledAndCopiedOnA.Aggregate((JobView?)null, JobView.Next)!;
        JobView.Next(view, requeued.Value)!.ShouldSatisfyAllConditions(
            v => v.Status.ShouldBe(JobStatus.Queued), v => v.Node.ShouldBeNull(), v => v.CowPath.ShouldBe("/b/jobs/j1/workspace"),
            v => v.GitStatus.ShouldBe(GitStatus.NotChecked), v => v.BaseCommit.ShouldBeNull(), v => v.Home.ShouldBe("b"));
    }

    [Fact]
    public void A_job_whose_agent_started_a_finished_a_cancelled_or_an_untaken_job_is_not_queued_again()
    {
        Job.From([.. PulledAndCopiedOnA, new AgentStarted("j1", 42, 7, "a", Now)]).RequeueFromLostNode("b", "/b/w", Now).IsSuccess.ShouldBeFalse();
        Job.From([.. PulledAndCopiedOnA, new JobFailed("j1", "x", null, Now)]).RequeueFromLostNode("b", "/b/w", Now).IsSuccess.ShouldBeFalse();
        Job.From([.. PulledAndCopiedOnA, new JobCancellationRequested("j1", "alice", Now)]).RequeueFromLostNode("b", "/b/w", Now).IsSuccess.ShouldBeFalse();
        Job.From([Created, new JobQueued("j1", Now)]).RequeueFromLostNode("b", "/b/w", Now).IsSuccess.ShouldBeFalse();
    }

    [Fact]
    public void A_job_left_waiting_in_a_lost_nodes_queue_moves_to_the_node_its_message_came_to_before_that_node_takes_it()
    {
        var job = Job.From([Created, new JobQueued("j1", Now)]);
        job.IsHomedElsewhere("b").ShouldBeTrue();
        job.IsHomedElsewhere("a").ShouldBeFalse();
        job.MoveFromLostHome("a", "/a/w", Now).IsSuccess.ShouldBeFalse("its own home does not move it");

        var moved = job.MoveFromLostHome("b", "/b/jobs/j1/workspace", Now);

        moved.IsSuccess.ShouldBeTrue(moved.Error?.Message);
        moved.Value.ShouldBe(new JobPipelineLost("j1", "a", "/b/jobs/j1/workspace", Now, "b"));
        job.Evolve(moved.Value);
        (job.Status, job.Home, job.CowPath, job.IsReadyToRun, job.IsHomedElsewhere("b")).ShouldBe((JobStatus.Queued, (string?)"b", "/b/jobs/j1/workspace", true, false));
        job.BeginPipeline("b", Now).IsSuccess.ShouldBeTrue();
        var view = new object[] { Created, new JobQueued("j1", Now), moved.Value }.Aggregate((JobView?)null, JobView.Next)!;
        (view.Status, view.Home, view.CowPath).ShouldBe((JobStatus.Queued, (string?)"b", "/b/jobs/j1/workspace"));
    }

    [Fact]
    public void A_taken_a_cancelled_a_finished_a_follow_up_or_a_homeless_job_does_not_move()
    {
        Job.From(PulledAndCopiedOnA).MoveFromLostHome("b", "/b/w", Now).IsSuccess.ShouldBeFalse();
        Job.From([Created, new JobQueued("j1", Now), new JobCancellationRequested("j1", "alice", Now)]).MoveFromLostHome("b", "/b/w", Now).IsSuccess.ShouldBeFalse();
        Job.From([Created]).MoveFromLostHome("b", "/b/w", Now).IsSuccess.ShouldBeFalse("created, not queued");
        Job.From([Job.Create("j1", "alice", "repo", "p", [], new JobOptions(60, true, false, null, null), "/w", Now), new JobQueued("j1", Now)])
            .IsHomedElsewhere("b").ShouldBeFalse("a job older than nodes has no home to leave");
    }
}
