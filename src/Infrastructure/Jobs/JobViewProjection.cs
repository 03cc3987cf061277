using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten.Events.Aggregation;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>Keeps <see cref="JobView"/> in step with each job stream, inline; the rules live on the view itself.</summary>
public sealed partial class JobViewProjection : SingleStreamProjection<JobView, string>
{
    public static JobView Create(JobCreated e) => JobView.From(e);

    public static void Apply(JobQueued e, JobView view) => view.Apply(e);

    public static void Apply(JobPipelineStarted e, JobView view) => view.Apply(e);

    public static void Apply(GitPullStarted e, JobView view) => view.Apply(e);

    public static void Apply(GitPulled e, JobView view) => view.Apply(e);

    public static void Apply(GitPullSkipped e, JobView view) => view.Apply(e);

    public static void Apply(GitPullFailed e, JobView view) => view.Apply(e);

    public static void Apply(WorkspacePrepared e, JobView view) => view.Apply(e);

    public static void Apply(PromptResolved e, JobView view) => view.Apply(e);

    public static void Apply(CodeIndexStarted e, JobView view) => view.Apply(e);

    public static void Apply(CodeIndexServicesStarted e, JobView view) => view.Apply(e);

    public static void Apply(CodeIndexReady e, JobView view) => view.Apply(e);

    public static void Apply(CodeIndexFailed e, JobView view) => view.Apply(e);

    public static void Apply(CodeIndexStopped e, JobView view) => view.Apply(e);

    public static void Apply(AgentStarted e, JobView view) => view.Apply(e);

    public static void Apply(AgentSessionStarted e, JobView view) => view.Apply(e);

    public static void Apply(AgentToolUsed e, JobView view) => view.Apply(e);

    public static void Apply(JobCompleted e, JobView view) => view.Apply(e);

    public static void Apply(JobFailed e, JobView view) => view.Apply(e);

    public static void Apply(JobTimedOut e, JobView view) => view.Apply(e);

    public static void Apply(JobCancellationRequested e, JobView view) => view.Apply(e);

    public static void Apply(JobCancelled e, JobView view) => view.Apply(e);

    public static void Apply(JobDeleted e, JobView view) => view.Apply(e);

    public static void Apply(WorkspaceRemoved e, JobView view) => view.Apply(e);

    public static void Apply(WorkspaceRemovalFailed e, JobView view) => view.Apply(e);
}
