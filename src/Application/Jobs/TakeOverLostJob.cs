using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// A <see cref="RunJob"/> for a job another node had taken reaches this node: Wolverine hands a dead node's unfinished
/// messages to the living ones. While that node is alive it runs the job, and this node leaves it alone. Once it is
/// dead, a job whose agent it had started cannot be continued (the agent's process and its workspace were there):
/// the job fails "node lost", and that node kills what the job left when it comes back (<see cref="RecoverInterruptedJobs"/>).
/// A first turn whose agent had not started is queued again, to run here from the start in a workspace of this node's;
/// unless its uploaded files were only on the lost node's disk. Not a request: the job queue's handler runs it for a
/// message whose job does not wait in line.
/// </summary>
public sealed class TakeOverLostJob(
    IEventStore store, INodeDirectory nodes, IFileStaging staging, JobPaths paths, JobMetrics metrics, TimeProvider clock)
{
    public const string Reason = "node lost";

    /// <summary>Ends the job or queues it again if its node is lost; true if it is queued again (the message runs it).</summary>
    public async Task<bool> HandleAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await store.LoadJobAsync(jobId, cancellationToken);
        if (await DecideAsync(job, clock.GetUtcNow(), cancellationToken) is not { } decision)
        {
            return false;
        }

        store.AppendExpecting(JobStream.For(jobId), job.Version, decision);
        try
        {
            await store.SaveChangesAsync(cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Someone else wrote to the job meanwhile (its node came back, a cancel): the message is done here.
            return false;
        }

        if (decision is JobPipelineLost)
        {
            return true;
        }

        // Its node never ended it, so its end is counted here (a lost node's counters died with it).
        metrics.Ended(job, decision);
        return false;
    }

    /// <summary>The event that ends the job or queues it again, or null when this node must not touch it.</summary>
    private async Task<object?> DecideAsync(Job job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!job.Exists || job.IsDeleted || !job.PipelineStarted || job.Status.IsFinished() || job.Node is not { } owner || owner == nodes.Self)
        {
            return null;
        }

        // A node without a row never ran on this database: nobody else can run the job, so it counts as lost.
        if (await nodes.FindAsync(owner, cancellationToken) is { Alive: true })
        {
            return null;
        }

        // Asked to stop while its node was going: it ends as asked.
        if (job.CancellationRequested)
        {
            var cancelled = job.Stop(StopReason.Cancelled, null, null, now);
            return cancelled.IsSuccess ? cancelled.Value : null;
        }

        var missing = UploadsNotHere(job, staging);
        if (!job.AgentStarted && job.Turn == 1 && missing.Count == 0)
        {
            var requeued = job.RequeueFromLostNode(nodes.Self, paths.Workspace(job.JobId), now);
            return requeued.IsSuccess ? requeued.Value : null;
        }

        var ended = job.Stop(StopReason.Failed, job.AgentStarted || job.Turn > 1 ? Reason : UploadsLost(owner, missing), null, now);
        return ended.IsSuccess ? ended.Value : null;
    }

    /// <summary>The names of the job's uploaded files that are not staged on this node's disk, in order.</summary>
    public static List<string> UploadsNotHere(Job job, IFileStaging staging) =>
        [.. job.StagedFiles.Values.Where(f => !staging.IsHere(job.JobId, f.StoredName)).Select(f => f.FileName).Order(StringComparer.Ordinal)];

    /// <summary>Why a job whose node died before its agent started cannot run here.</summary>
    public static string UploadsLost(string node, IEnumerable<string> missing) =>
        $"{Reason}: node '{node}' stopped before the agent started, and the files uploaded for the job ({string.Join(", ", missing)}) are only on its disk.";
}
