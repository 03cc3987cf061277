using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// A page of a user's jobs as <c>GET /jobs</c> answers it, written by the store itself: the UTF-8 JSON of a
/// <see cref="ListJobs.Response"/> whose items equal <see cref="ListJobs.Item.Of"/> of the stored views, newest first
/// (deleted ones left out), optionally of one status and of one repository, with each waiting job's place in the queue
/// (<see cref="IQueuePosition"/>) and the list's total.
/// </summary>
public interface IJobListJson
{
    /// <summary>
    /// The page, with the revision of the user's list it was read at (in the same snapshot). When the query's
    /// <see cref="ListJobs.Current"/> is the user's revision now and the page was read at that same revision before, it
    /// may come from memory: equal revisions mean an equal page.
    /// </summary>
    Task<JobListPage> ReadAsync(ListJobs query, CancellationToken cancellationToken);
}

/// <summary>A page of <c>GET /jobs</c> (UTF-8 JSON, shared: never written to) and the revision of the list it shows.</summary>
public sealed record JobListPage(GetJobListRevision.Response Revision, ReadOnlyMemory<byte> Json);

/// <summary>
/// The jobs a server had taken and not finished (started, not ended, and marked with its node), deleted ones included.
/// </summary>
public interface IInterruptedJobs
{
    Task<IReadOnlyList<JobView>> OfNodeAsync(string node, CancellationToken cancellationToken);

    /// <summary>The jobs of <paramref name="node"/> that another node ended "node lost" since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<JobView>> LostByNodeAsync(string node, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>The jobs whose files retention removes.</summary>
public interface IExpiredWorkspaces
{
    /// <summary>Jobs not deleted, finished before <paramref name="finishedBefore"/>, whose workspace is still there.</summary>
    Task<IReadOnlyList<JobView>> FinishedBeforeAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken);

    /// <summary>Deleted jobs whose folder's removal did not finish.</summary>
    Task<IReadOnlyList<JobView>> RemovalPendingAsync(CancellationToken cancellationToken);
}

/// <summary>A stored job view and its version: its stream's, raised by every event appended to the job.</summary>
public sealed record VersionedJobView(long Version, JobView View);

/// <summary>
/// The stored job views one at a time, with their versions, answered from memory while the server knows a view has not
/// changed since it was read (see the README's "Polling is cheap"). The view may be shared with other readers: read
/// it, never change it.
/// </summary>
public interface IJobViews
{
    /// <summary>The job's view as last stored (deleted ones included), or null when there is none.</summary>
    Task<VersionedJobView?> LoadAsync(string jobId, CancellationToken cancellationToken);
}

/// <summary>What a conditional read of a job needs, without the job: whose it is, whether it waits for a slot, and its version.</summary>
public sealed record JobRevision(string User, bool Deleted, JobStatus Status, bool Taken, long Version);

/// <summary>
/// Revisions of the stored job views, read without loading them, so a conditional GET can answer 304 cheaply: a job's
/// version (its stream's, raised by every event), and a user's revision, raised by every change to any of their jobs.
/// </summary>
public interface IJobRevisions
{
    Task<JobRevision?> OfJobAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// The user's revision, which grows with every change to any of their jobs, deleted ones included, and never goes
    /// back; read with the kept counts of their jobs (all of them, and those that wait, <see cref="JobStatus.Queued"/>),
    /// in one round trip.
    /// </summary>
    Task<UserJobsRevision> OfUserAsync(string user, CancellationToken cancellationToken);
}

/// <summary>
/// A user's revision of their jobs (<see cref="IJobRevisions.OfUserAsync"/>), how many of them the kept counts hold (the
/// lists' totals come from those counts, which a recount at a start may change while no job does), and how many are queued.
/// </summary>
public sealed record UserJobsRevision(long Revision, long Counted, int Queued);
