using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

public sealed class JobNodeRoutingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);

    private static NodeInfo Node(string name, string? url, bool alive) => new(name, url, Now, Now, alive);

    [Fact]
    public void A_job_whose_files_are_on_this_node_is_answered_here()
    {
        JobNodeRouting.Decide("a", "a", alreadyForwarded: false, Node("a", "http://127.0.0.1:5001", true)).ShouldBeOfType<JobNodeRoute.Here>();
    }

    [Fact]
    public void A_job_created_before_nodes_were_recorded_is_answered_here()
    {
        JobNodeRouting.Decide("a", null, alreadyForwarded: false, null).ShouldBeOfType<JobNodeRoute.Here>();
    }

    [Fact]
    public void A_job_on_another_live_node_is_forwarded_to_its_url()
    {
        var route = JobNodeRouting.Decide("b", "a", alreadyForwarded: false, Node("a", "http://10.0.0.5:5001/", true));

        var forward = route.ShouldBeOfType<JobNodeRoute.Forward>();
        forward.Node.ShouldBe("a");
        forward.Destination.ShouldBe(new Uri("http://10.0.0.5:5001/"));
    }

    [Fact]
    public void A_request_already_forwarded_is_never_forwarded_again()
    {
        JobNodeRouting.Decide("b", "a", alreadyForwarded: true, Node("a", "http://10.0.0.5:5001", true)).ShouldBeOfType<JobNodeRoute.Here>();
    }

    [Fact]
    public void A_job_on_a_dead_node_is_unavailable_naming_it()
    {
        var route = JobNodeRouting.Decide("b", "a", alreadyForwarded: false, Node("a", "http://10.0.0.5:5001", false));

        route.ShouldBeOfType<JobNodeRoute.Unavailable>().Node.ShouldBe("a");
    }

    [Fact]
    public void A_job_on_a_node_never_seen_is_unavailable_naming_it()
    {
        JobNodeRouting.Decide("b", "a", alreadyForwarded: false, null).ShouldBeOfType<JobNodeRoute.Unavailable>().Node.ShouldBe("a");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("/relative")]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://10.0.0.5/")]
    public void A_live_node_without_a_usable_url_is_unavailable(string? url)
    {
        var route = JobNodeRouting.Decide("b", "a", alreadyForwarded: false, Node("a", url, true));

        route.ShouldBeOfType<JobNodeRoute.Unavailable>().Reason.ShouldContain("Jobs:NodeUrl");
    }

    [Fact]
    public void A_jobs_files_are_on_the_node_it_was_created_on_until_a_node_runs_it()
    {
        var view = JobView.From(Job.Create("j1", "alice", "repo", "p", [], new JobOptions(60, true, false, null, null), "/w", Now, home: "a"))!;
        LocateJobFiles.NodeOf(view).ShouldBe("a");

        view.When(new JobQueued("j1", Now));
        view.When(new JobPipelineStarted("j1", "b", Now));
        LocateJobFiles.NodeOf(view).ShouldBe("b");
    }

    [Fact]
    public void A_job_created_before_nodes_were_recorded_has_its_files_anywhere()
    {
        var view = JobView.From(new JobCreated("j1", "alice", "repo", "p", [], new JobOptions(60, true, false, null, null), "/w", Now));

        LocateJobFiles.NodeOf(view).ShouldBeNull();
    }
}
