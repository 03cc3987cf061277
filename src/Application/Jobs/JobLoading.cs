using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

public static class JobLoading
{
    public static async Task<Job> LoadJobAsync(this IEventStore store, string jobId, CancellationToken cancellationToken) =>
        Job.From((await store.ReadStreamAsync(JobStream.For(jobId), cancellationToken)).Select(e => e.Data));

    /// <summary>The caller's job, or a 404 that does not tell whether the job exists for someone else.</summary>
    public static async Task<Result<Job>> LoadOwnJobAsync(this IEventStore store, string jobId, string user, CancellationToken cancellationToken)
    {
        var job = await store.LoadJobAsync(jobId, cancellationToken);
        return job.IsVisibleTo(user) ? job : JobErrors.NotFound(jobId);
    }

    /// <summary>The caller's job view, or a 404.</summary>
    public static async Task<Result<JobView>> LoadOwnViewAsync(this IReadModels readModels, string jobId, string user, CancellationToken cancellationToken) =>
        await readModels.LoadAsync<JobView>(JobStream.For(jobId), cancellationToken) is { Deleted: false } view && view.User == user
            ? view
            : JobErrors.NotFound(jobId);

    /// <summary>The caller's job view with its version, or a 404 that does not tell whether the job exists for someone else.</summary>
    public static async Task<Result<VersionedJobView>> LoadOwnViewAsync(this IJobViews views, string jobId, string user, CancellationToken cancellationToken) =>
        await views.LoadAsync(jobId, cancellationToken) is { View: { Deleted: false } view } found && view.User == user
            ? found
            : JobErrors.NotFound(jobId);

    /// <summary>1-based place among the jobs waiting to run, in the order the slots will go; 0 when the job is not waiting.</summary>
    public static async Task<int> QueuePositionAsync(this IQueuePosition positions, JobView view, CancellationToken cancellationToken) =>
        WaitsForSlot(view.Status, view.Node is not null, view.Deleted)
            ? await positions.OfAsync(view.JobId, cancellationToken)
            : 0;

    /// <summary>Whether a job has a place in the queue: queued, not taken by a server, not deleted.</summary>
    public static bool WaitsForSlot(JobStatus status, bool taken, bool deleted) => status == JobStatus.Queued && !taken && !deleted;
}
