using System.Reflection;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>
/// Every event of <c>Domain.Jobs</c> and <c>Domain.Repositories</c> is handled by its aggregate and its view (found by
/// reflection, so a new event fails here until it is), and the aggregate and the view agree on a job's status after
/// every event of every kind of run.
/// </summary>
public sealed class EventCoverageTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    public static TheoryData<Type> JobEvents() => [.. DomainEvents.Of<JobCreated>()];

    public static TheoryData<Type> RepositoryEvents() => [.. DomainEvents.Of<RepositoryRegistered>()];

    [Fact]
    public void The_event_types_are_found()
    {
        DomainEvents.Of<JobCreated>().Count.ShouldBeGreaterThanOrEqualTo(28);
        DomainEvents.Of<JobCreated>().ShouldContain(typeof(WorkspaceRemovalFailed));
        DomainEvents.Of<JobCreated>().ShouldNotContain(typeof(JobOptions));
        DomainEvents.Of<RepositoryRegistered>().ShouldBe(
            [typeof(RepositoryCloneFailed), typeof(RepositoryCloned), typeof(RepositoryIndexStarted), typeof(RepositoryIndexed),
             typeof(RepositoryPullFailed), typeof(RepositoryPulled), typeof(RepositoryRefreshRequested), typeof(RepositoryRegistered),
             typeof(RepositoryUnregistered)]);
    }

    [Theory]
    [MemberData(nameof(JobEvents))]
    public void Every_job_event_is_handled_by_the_aggregate_and_the_view(Type type)
    {
        var e = Sample(type);

        Job.From([]).Evolve(e).ShouldBeTrue($"Job.Evolve does not handle {type.Name}");
        var view = JobView.Next(null, Sample(typeof(JobCreated)))!;
        view.When(e).ShouldBeTrue($"JobView.When does not handle {type.Name}");
    }

    [Theory]
    [MemberData(nameof(RepositoryEvents))]
    public void Every_repository_event_is_handled_by_the_aggregate_and_the_view(Type type)
    {
        var e = Sample(type);

        Repository.From([]).Evolve(e).ShouldBeTrue($"Repository.Evolve does not handle {type.Name}");
        var view = RepositoryView.Next(null, Sample(typeof(RepositoryRegistered)))!;
        view.When(e).ShouldBeTrue($"RepositoryView.When does not handle {type.Name}");
    }

    [Fact]
    public void An_event_of_no_module_is_not_taken_for_one() =>
        Job.From([]).Evolve(new RepositoryPulled("r", "abc", true, Now)).ShouldBeFalse();

    public static TheoryData<string> Runs() => [.. RunsByName.Keys];

    private static readonly JobCreated Created =
        Job.Create("j1", "alice", "repo", "p", [], new JobOptions(60, true, true, null, null), "/w", Now);

    private static readonly AgentResult Result = new("ok", "s", 0.1m, 1, 1, 0);

    private static readonly Dictionary<string, object[]> RunsByName = new()
    {
        ["completed with git and index"] =
        [
            Created, new JobQueued("j1", Now), new JobPipelineStarted("j1", "n", Now), new GitPullStarted("j1", Now),
            new GitPulled("j1", "abc", true, Now), new WorkspacePrepared("j1", "/w", "reflink", 1, 1, 1, Now, "abc"), new PromptResolved("j1", "p", Now),
            new CodeIndexStarted("j1", Now), new CodeIndexServicesStarted("j1", Now), new CodeIndexFailed("j1", "no", Now),
            new AgentStarted("j1", 1, 1, "n", Now), new AgentSaid("j1", "hi", Now), new ChangesSummarized("j1", 2, 3, 1, Now),
            new CodeIndexStopped("j1", null, Now), new JobCompleted("j1", Result, Now), new WorkspaceRemoved("j1", "retention", Now),
        ],
        ["cancelled while preparing"] =
        [
            Created, new JobQueued("j1", Now), new JobPipelineStarted("j1", "n", Now), new JobCancellationRequested("j1", "alice", Now),
            new JobCancelled("j1", null, Now), new JobDeleted("j1", "alice", true, true, Now),
        ],
        ["git failed"] = [Created, new JobQueued("j1", Now), new JobPipelineStarted("j1", "n", Now), new GitPullStarted("j1", Now), new GitPullFailed("j1", "x", Now)],
        ["an old stream with two ends"] =
        [
            Created, new JobQueued("j1", Now), new JobCancellationRequested("j1", "alice", Now), new JobCancelled("j1", null, Now),
            new JobFailed("j1", "late", null, Now), new JobCancelled("j1", null, Now),
        ],
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void The_aggregate_and_the_view_agree_on_the_status_after_every_event(string run)
    {
        var events = RunsByName[run];
        var job = Job.From([]);
        JobView? view = null;
        foreach (var e in events)
        {
            job.Evolve(e);
            view = JobView.Next(view, e);
            view!.Status.ShouldBe(job.Status, $"after {e.GetType().Name} in '{run}'");
        }
    }

    [Fact]
    public void An_old_stream_with_two_ends_keeps_the_first()
    {
        var view = RunsByName["an old stream with two ends"].Aggregate((JobView?)null, JobView.Next)!;

        (view.Status, view.Error).ShouldBe((JobStatus.Cancelled, "The job was cancelled."));
    }

    /// <summary>An instance of an event type with plain values for its constructor's parameters.</summary>
    private static object Sample(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke(constructor.GetParameters().Select(p => Value(p)).ToArray());
    }

    private static object? Value(ParameterInfo parameter) => parameter.ParameterType switch
    {
        var t when t == typeof(string) => "x",
        var t when t == typeof(DateTimeOffset) => Now,
        var t when t == typeof(IReadOnlyList<string>) => Array.Empty<string>(),
        var t when t == typeof(JobOptions) => new JobOptions(60, false, false, null, null),
        var t when t == typeof(AgentResult) => Result,
        var t when t.IsValueType => Activator.CreateInstance(t),
        _ => null,
    };
}
