using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>Which branches a job's changes may be pushed as (git's check-ref-format rules), and when a job may push at all.</summary>
public sealed class PushDecisionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;
    private const string JobId = "0123abcd-0000-0000-0000-000000000000";

    private static readonly object[] Ran =
    [
        Job.Create(JobId, "alice", "repo", "Fix the parser\nand more", [], new JobOptions(60, true, false, null, null), "/w", Now),
        new JobQueued(JobId, Now), new JobPipelineStarted(JobId, "node", Now), new GitPulled(JobId, "b4se", false, Now),
        new WorkspacePrepared(JobId, "/w", "copy", 1, 1, 1, Now, "b4se"), new AgentStarted(JobId, 1, 1, "node", Now),
    ];

    [Theory]
    [InlineData("feature/x")]
    [InlineData("claude-batch/0123abcd")]
    [InlineData("a.b")]
    [InlineData("v1.2-fix_3")]
    [InlineData("x@y")]
    public void Valid_branch_names_are_taken_as_they_are(string name) => BranchName.Parse(name).Value.ShouldBe(name);

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("x.lock")]
    [InlineData("a/x.lock/b")]
    [InlineData("-x")]
    [InlineData("a b")]
    [InlineData("a@{1}")]
    [InlineData("@")]
    [InlineData("a/")]
    [InlineData("/a")]
    [InlineData("a//b")]
    [InlineData("HEAD")]
    [InlineData("a.")]
    [InlineData(".a")]
    [InlineData("a/.b")]
    [InlineData("a~1")]
    [InlineData("a^")]
    [InlineData("a:b")]
    [InlineData("a?")]
    [InlineData("a*")]
    [InlineData("a[b")]
    [InlineData("a\\b")]
    [InlineData("a\u0001b")]
    [InlineData("a\tb")]
    public void Names_git_refuses_are_invalid(string name)
    {
        var error = BranchName.Parse(name).Error.ShouldNotBeNull();
        (error.Kind, error.Code).ShouldBe((ErrorKind.Invalid, "invalid-branch"));
    }

    [Fact]
    public void A_name_longer_than_the_limit_is_invalid() =>
        BranchName.Parse(new string('a', BranchName.MaxLength + 1)).IsSuccess.ShouldBeFalse();

    [Fact]
    public void A_finished_job_pushes_to_its_default_branch_unless_one_is_named()
    {
        var job = Job.From([.. Ran, new JobCompleted(JobId, new AgentResult("ok", null, null, null, null, 0), Now)]);
        job.PlanPush(null).Value.ShouldBe("claude-batch/0123abcd");
        job.PlanPush("mine").Value.ShouldBe("mine");
        job.PlanPush("a..b").Error!.Code.ShouldBe("invalid-branch");
        job.PlanPush("main", force: true).Error!.Code.ShouldBe("force-not-allowed");
        var pushedOnce = Job.From([.. Ran, new JobCompleted(JobId, new AgentResult("ok", null, null, null, null, 0), Now), new BranchPushed(JobId, "repo", "mine", "c", false, Now)]);
        pushedOnce.PlanPush("mine", force: true).Value.ShouldBe("mine");
        pushedOnce.PlanPush("main", force: true).Error!.Code.ShouldBe("force-not-allowed");
        job.DefaultCommitMessage().ShouldBe($"Fix the parser (claude-batch job {JobId})");
        job.RecordCommit("c0mm1t", "alice", "m", Now).Value.ShouldBe(new ChangesCommitted(JobId, "c0mm1t", "b4se", "alice", "m", Now));
        job.RecordPush("b", "c0mm1t", false, null, Now).ShouldBe(new BranchPushed(JobId, "repo", "b", "c0mm1t", false, Now));
        job.RecordPush("b", "c0mm1t", true, "no", Now).ShouldBe(new PushFailed(JobId, "repo", "b", "c0mm1t", "no", Now));
    }

    [Fact]
    public void A_running_job_a_job_without_a_base_commit_and_a_deleted_job_do_not_push()
    {
        Job.From(Ran).PlanPush(null).Error!.Code.ShouldBe("job-active");
        Job.From(Ran).RecordCommit("c", "alice", "m", Now).Error!.Code.ShouldBe("job-active");

        var noGit = Ran.Select(e => e is WorkspacePrepared p ? p with { BaseCommit = null } : e)
            .Append(new JobFailed(JobId, "x", null, Now));
        Job.From(noGit).PlanPush(null).Error!.Code.ShouldBe("workspace-not-git");

        Job.From([.. Ran, new JobFailed(JobId, "x", null, Now), new JobDeleted(JobId, "alice", false, true, Now)])
            .PlanPush(null).Error!.Kind.ShouldBe(ErrorKind.NotFound);
    }
}
