using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

public sealed class JobTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;
    private static readonly JobCreated Created = Job.Create("j1", "alice", "repo", "do it", [], new JobOptions(60, true, false, null, null), "/jobs/j1/workspace", Now);

    private static readonly JobPipelineStarted Taken = new("j1", "node", Now);

    private static Job Given(params object[] events) => Job.From(events);

    [Fact]
    public void Start_on_a_created_job_queues_it() =>
        Given(Created).Start(Now).Value.ShouldBe(new JobQueued("j1", Now));

    [Fact]
    public void Starting_twice_is_a_conflict() =>
        Given(Created, new JobQueued("j1", Now)).Start(Now).Error!.Kind.ShouldBe(ErrorKind.Conflict);

    [Fact]
    public void A_deleted_job_cannot_start_and_is_seen_by_nobody()
    {
        var job = Given(Created, new JobDeleted("j1", "alice", false, false, Now));

        job.Start(Now).Error!.Kind.ShouldBe(ErrorKind.NotFound);
        job.IsVisibleTo("alice").ShouldBeFalse();
    }

    [Fact]
    public void Only_its_owner_sees_a_job()
    {
        Given(Created).IsVisibleTo("alice").ShouldBeTrue();
        Given(Created).IsVisibleTo("bob").ShouldBeFalse();
        Given().IsVisibleTo("alice").ShouldBeFalse();
    }

    [Fact]
    public void Cancelling_a_queued_job_cancels_it_at_once() =>
        Given(Created, new JobQueued("j1", Now)).Cancel("alice", Now).Value!.Select(e => e.GetType()).ShouldBe([typeof(JobCancellationRequested), typeof(JobCancelled)]);

    [Fact]
    public void Cancelling_a_running_job_asks_the_pipeline_to_stop_once()
    {
        var running = Given(Created, new JobQueued("j1", Now), Taken, new AgentStarted("j1", 42, 7, "node", Now));

        running.Cancel("alice", Now).Value!.ShouldHaveSingleItem().ShouldBeOfType<JobCancellationRequested>();
        Given(Created, new JobQueued("j1", Now), Taken, new AgentStarted("j1", 42, 7, "node", Now), new JobCancellationRequested("j1", "alice", Now))
            .Cancel("alice", Now).Value!.ShouldBeEmpty();
    }

    [Fact]
    public void A_job_a_pipeline_took_is_asked_to_stop_even_while_it_still_shows_queued()
    {
        // gitAware false: nothing changes the status between the pipeline taking the job and the agent starting.
        var preparing = Given(Created, new JobQueued("j1", Now), Taken);

        preparing.Status.ShouldBe(JobStatus.Queued);
        preparing.Cancel("alice", Now).Value!.ShouldHaveSingleItem().ShouldBeOfType<JobCancellationRequested>();
    }

    [Theory]
    [MemberData(nameof(Endings))]
    public void A_finished_job_cannot_be_cancelled(object ending) =>
        Given(Created, new JobQueued("j1", Now), ending).Cancel("alice", Now).Error!.Code.ShouldBe("job-finished");

    public static TheoryData<object> Endings() =>
    [
        new JobCompleted("j1", new AgentResult("ok", null, null, null, null, 0), Now),
        new JobFailed("j1", "x", null, Now),
        new JobTimedOut("j1", 60, null, Now),
        new JobCancelled("j1", null, Now),
        new GitPullFailed("j1", "x", Now),
    ];

    [Fact]
    public void Only_a_queued_job_is_ready_to_run()
    {
        Given(Created).IsReadyToRun.ShouldBeFalse();
        Given(Created, new JobQueued("j1", Now)).IsReadyToRun.ShouldBeTrue();
        Given(Created, new JobQueued("j1", Now), Taken).IsReadyToRun.ShouldBeFalse();
        Given(Created, new JobQueued("j1", Now), Taken, new GitPullStarted("j1", Now)).IsReadyToRun.ShouldBeFalse();
        Given(Created, new JobQueued("j1", Now), new JobCancellationRequested("j1", "a", Now)).IsReadyToRun.ShouldBeFalse();
    }

    [Fact]
    public void The_agent_process_is_remembered_for_recovery()
    {
        var job = Given(Created, new JobQueued("j1", Now), Taken, new AgentStarted("j1", 4242, 99, "node-a", Now));

        (job.AgentProcessId, job.AgentProcessStartTicks, job.Node, job.Status).ShouldBe((4242, 99L, "node-a", JobStatus.Running));
    }

    [Theory]
    [InlineData(StopReason.TimedOut, typeof(JobTimedOut))]
    [InlineData(StopReason.Cancelled, typeof(JobCancelled))]
    [InlineData(StopReason.Failed, typeof(JobFailed))]
    public void A_stopped_pipeline_ends_the_job_by_its_reason(StopReason reason, Type expected) =>
        Given(Created, new JobQueued("j1", Now), Taken).Stop(reason, "why", null, Now).Value.ShouldBeOfType(expected);
}
