using BenchmarkDotNet.Attributes;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Infrastructure.Repositories;
using JasperFx.Events;
using JasperFx.Events.Aggregation;

namespace ClaudeBatch.Micro;

/// <summary>
/// Folding a finished job's stream into a <see cref="JobView"/>: <see cref="JobView.Next"/> (the view's one rule) and
/// <see cref="JobViewProjection"/>'s <c>Evolve</c> over Marten's event wrappers (what the inline projection and
/// <c>history?at=</c> run for each event; it delegates to the same rule). The floor visits the same events with a type
/// switch over the same event types and keeps nothing; a list append of them is the cheapest visit that keeps something.
/// </summary>
[MemoryDiagnoser]
public class JobViewFold
{
    private object[] events = [];
    private IEvent[] wrapped = [];
    private readonly JobViewProjection projection = new();

    [Params(10, 200)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        events = Samples.JobEvents(Events);
        wrapped = Samples.Wrapped(events);
        var tools = events.Count(e => e is AgentToolUsed);
        if (Replay() is not { Status: JobStatus.Completed } replayed || replayed.ToolUses != tools
            || Projection() is not { Status: JobStatus.Completed } projected || projected.ToolUses != tools)
        {
            throw new InvalidOperationException("Both folds should end with the completed job and its tool uses.");
        }
    }

    [Benchmark(Description = "JobView.Next")]
    public JobView? Replay()
    {
        JobView? view = null;
        foreach (var e in events)
        {
            view = JobView.Next(view, e);
        }

        return view;
    }

    [Benchmark(Description = "JobViewProjection.Evolve")]
    public JobView? Projection()
    {
        JobView? view = null;
        foreach (var e in wrapped)
        {
            view = projection.Evolve(view, "job:3f2a9c", e);
        }

        return view;
    }

    [Benchmark(Baseline = true, Description = "floor: type switch, no state")]
    public int Visit()
    {
        var sum = 0;
        foreach (var e in events)
        {
            sum += Kind(e);
        }

        return sum;
    }

    [Benchmark(Description = "floor: list append")]
    public int Append()
    {
        var list = new List<object>();
        foreach (var e in events)
        {
            list.Add(e);
        }

        return list.Count;
    }

    /// <summary>The same cases, in the same order, as the first ones of <see cref="JobView.When"/>, after <see cref="JobView.Next"/>'s own test for the creation.</summary>
    private static int Kind(object data) => data switch
    {
        JobCreated => 1,
        JobQueued => 2,
        JobPipelineStarted => 3,
        GitPullStarted => 4,
        GitPulled => 5,
        GitPullSkipped => 6,
        GitPullFailed => 7,
        WorkspacePrepared => 8,
        PromptResolved => 9,
        CodeIndexStarted => 10,
        CodeIndexServicesStarted => 11,
        CodeIndexReady => 12,
        CodeIndexFailed => 13,
        CodeIndexStopped => 14,
        AgentStarted => 15,
        AgentSessionStarted => 16,
        AgentToolUsed => 17,
        JobCompleted => 18,
        JobFailed => 19,
        JobTimedOut => 20,
        JobCancellationRequested => 21,
        JobCancelled => 22,
        JobDeleted => 23,
        WorkspaceRemoved => 24,
        WorkspaceRemovalFailed => 25,
        _ => 0,
    };
}

/// <summary>Folding a repository's stream (registered, cloned, then pulls and re-indexing) with <see cref="RepositoryViewProjection"/>'s <c>Evolve</c>.</summary>
[MemoryDiagnoser]
public class RepositoryViewFold
{
    private object[] events = [];
    private IEvent[] wrapped = [];
    private readonly RepositoryViewProjection projection = new();

    [Params(10, 200)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        events = Samples.RepositoryEvents(Events);
        wrapped = Samples.Wrapped(events);
        if (Projection() is not { CloneStatus: CloneStatus.Completed, CommitHash: not null } view || view.LastIndexed is null)
        {
            throw new InvalidOperationException("The fold should end with the cloned, indexed repository.");
        }
    }

    [Benchmark(Description = "RepositoryViewProjection.Evolve")]
    public RepositoryView? Projection()
    {
        RepositoryView? view = null;
        foreach (var e in wrapped)
        {
            view = projection.Evolve(view, "claude-batch", e);
        }

        return view;
    }

    [Benchmark(Baseline = true, Description = "floor: type switch, no state")]
    public int Visit()
    {
        var sum = 0;
        foreach (var e in events)
        {
            sum += e switch
            {
                RepositoryRegistered => 1,
                RepositoryCloned => 2,
                RepositoryCloneFailed => 3,
                RepositoryPulled => 4,
                RepositoryIndexStarted => 5,
                RepositoryIndexed => 6,
                _ => 0,
            };
        }

        return sum;
    }
}
