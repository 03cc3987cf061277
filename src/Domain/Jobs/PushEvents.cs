namespace ClaudeBatch.Domain.Jobs;

/// <summary>
/// The job's user committed the workspace's changes (uploads under <c>files/</c> left out) on top of the job's base
/// commit: <see cref="Commit"/>, whose only parent is <see cref="BaseCommit"/>, authored by <see cref="Author"/>.
/// </summary>
public sealed record ChangesCommitted(string JobId, string Commit, string BaseCommit, string Author, string Message, DateTimeOffset At);

/// <summary>
/// <see cref="Commit"/> was pushed from the repository's master clone to its origin as <see cref="Branch"/>
/// (<see cref="Forced"/> when it replaced a branch that was there).
/// </summary>
public sealed record BranchPushed(string JobId, string Repository, string Branch, string Commit, bool Forced, DateTimeOffset At);

/// <summary>Pushing <see cref="Commit"/> as <see cref="Branch"/> failed; <see cref="Reason"/> never holds credentials.</summary>
public sealed record PushFailed(string JobId, string Repository, string Branch, string Commit, string Reason, DateTimeOffset At);
