namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Run slots, handed out fairly (DESIGN.md §7). When one frees it goes to the waiting user with the fewest running
/// jobs, skipping users at <c>Jobs:MaxRunningPerUser</c>; on a tie, to the user served least recently, then to the one
/// whose next job was queued first. Each user's jobs go in the order they were queued. At most
/// <c>Jobs:MaxConcurrent</c> slots are out at once on all servers that share the database together, and at most
/// <c>Jobs:MaxRunningPerUser</c> of them to one user.
/// </summary>
public interface IJobSlots
{
    /// <summary>
    /// Waits until the rule gives the job a slot, which its pipeline holds until it is disposed; null when the job is
    /// not, or stops, waiting to run (cancelled, deleted, or already taken by a pipeline).
    /// </summary>
    Task<IAsyncDisposable?> WaitAsync(string jobId, CancellationToken cancellationToken);
}

/// <summary>The waiting jobs as <see cref="IJobSlots"/> will serve them, read from the stored jobs.</summary>
public interface IQueuePosition
{
    /// <summary>
    /// The 1-based place of a waiting job in the order the slots will go if none of the running jobs ends first: the
    /// i-th (from 0) waiting job of a user with r running jobs is served in round r + i. Within a round, the user with
    /// more jobs running now goes first (one with fewer reaches the round by being served in the rounds before it, so
    /// more recently), then the user served least recently, then the one whose first waiting job was queued first.
    /// Rounds from <c>Jobs:MaxRunningPerUser</c> on come last: they wait for their own user's jobs to end. 0 when the
    /// job is not waiting.
    /// </summary>
    Task<int> OfAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// The places (as <see cref="OfAsync"/>) of all of one user's waiting jobs at once, by job id; a job that is not
    /// waiting is not in it. One query, for a list of jobs.
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> OfUserAsync(string user, CancellationToken cancellationToken);
}

/// <summary>Serializes the starts of one user's jobs.</summary>
public interface IStartLock
{
    /// <summary>
    /// Holds off other starts of the user's jobs, on every server, until disposed: a cap counted while holding it
    /// still holds when the start commits.
    /// </summary>
    Task<IAsyncDisposable> HoldAsync(string user, CancellationToken cancellationToken);
}
