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
/// Folding a finished job's stream into a <see cref="JobView"/>: <see cref="JobView.Replay"/> (what <c>history?at=</c>
/// runs) and the evolver Marten's source generator made of <see cref="JobViewProjection"/> (what the inline projection
/// runs for each appended event). The floor visits the same events with a type switch over the same event types and
/// keeps nothing; a list append of them is the cheapest visit that keeps something.
/// </summary>
[MemoryDiagnoser]
public class JobViewFold
{
    private object[] events = [];
    private IEvent[] wrapped = [];
    private IGeneratedSyncEvolver<JobView, string> evolver = null!;

    [Params(10, 200)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        events = Samples.JobEvents(Events);
        wrapped = Samples.Wrapped(events);
        evolver = Samples.GeneratedEvolver<IGeneratedSyncEvolver<JobView, string>, JobViewProjection>();
        var tools = events.Count(e => e is AgentToolUsed);
        if (Replay() is not { Status: JobStatus.Completed } replayed || replayed.ToolUses != tools
            || Projection() is not { Status: JobStatus.Completed } projected || projected.ToolUses != tools)
        {
            throw new InvalidOperationException("Both folds should end with the completed job and its tool uses.");
        }
    }

    [Benchmark(Description = "JobView.Replay")]
    public JobView? Replay() => JobView.Replay(events);

    [Benchmark(Description = "JobViewProjection (generated evolver)")]
    public JobView? Projection()
    {
        JobView? view = null;
        foreach (var e in wrapped)
        {
            view = evolver.Evolve(view, "job:3f2a9c", e);
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

    /// <summary>The same cases, in the same order, as <see cref="JobView.Fold"/>, after <see cref="JobView.Replay"/>'s own test for the creation.</summary>
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

/// <summary>Folding a repository's stream (registered, cloned, then pulls and re-indexing) with Marten's generated evolver of <see cref="RepositoryViewProjection"/>.</summary>
[MemoryDiagnoser]
public class RepositoryViewFold
{
    private static readonly object Session = new();

    private object[] events = [];
    private IEvent[] wrapped = [];
    private IGeneratedAsyncDetermineAction<RepositoryView, string> evolver = null!;

    [Params(10, 200)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        events = Samples.RepositoryEvents(Events);
        wrapped = Samples.Wrapped(events);
        evolver = Samples.GeneratedEvolver<IGeneratedAsyncDetermineAction<RepositoryView, string>, RepositoryViewProjection>();
        if (Projection() is not { CloneStatus: CloneStatus.Completed, CommitHash: not null } view || view.LastIndexed is null)
        {
            throw new InvalidOperationException("The fold should end with the cloned, indexed repository.");
        }
    }

    /// <summary>The projection has a <c>ShouldDelete</c>, so the generator made a batch evolver: all the events in one call (it completes synchronously).</summary>
    [Benchmark(Description = "RepositoryViewProjection (generated evolver)")]
    public RepositoryView? Projection() =>
        evolver.DetermineActionAsync(null, "claude-batch", wrapped, Session, CancellationToken.None).GetAwaiter().GetResult().Item1;

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
