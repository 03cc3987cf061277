namespace ClaudeBatch.Domain.Repositories;

/// <summary>
/// A repository was registered. <see cref="GitUrl"/> never holds credentials: they travel only in
/// <see cref="ProtectedCredentials"/>, encrypted by the server.
/// </summary>
public sealed record RepositoryRegistered(
    string Name,
    string GitUrl,
    string? ProtectedCredentials,
    string Description,
    bool CidxAware,
    string Path,
    string RegisteredBy,
    DateTimeOffset At);

public sealed record RepositoryCloned(string Name, string Branch, string CommitHash, string CommitMessage, long SizeBytes, long FileCount, double Milliseconds, DateTimeOffset At);

public sealed record RepositoryCloneFailed(string Name, string Reason, DateTimeOffset At);

public sealed record RepositoryUnregistered(string Name, string By, bool Forced, DateTimeOffset At);

public static class RepositoryStream
{
    // The bare name: repository names cannot contain the colon that prefixes every other stream key.
    public static string For(string name) => name;
}

/// <summary>
/// A user asked for the master to be brought up to date now (<c>POST /repositories/{name}/pull</c>): cloned again
/// (<see cref="Reclone"/>, after a failed clone) or fast-forwarded.
/// </summary>
public sealed record RepositoryRefreshRequested(string Name, string By, bool Reclone, DateTimeOffset At);

/// <summary>Fast-forwarding the master clone failed; it stays at the commit it had.</summary>
public sealed record RepositoryPullFailed(string Name, string Reason, DateTimeOffset At);

/// <summary>A job's git step (or a user's pull) fast-forwarded the master clone.</summary>
public sealed record RepositoryPulled(string Name, string CommitHash, bool Changed, DateTimeOffset At);

/// <summary>The master clone of a <c>cidxAware</c> repository is being indexed (after its clone or a pull that changed it).</summary>
public sealed record RepositoryIndexStarted(string Name, DateTimeOffset At);

/// <summary>Indexing of the master ended; jobs' workspaces then only reconcile what changed. Not ready is not a failure of the clone.</summary>
public sealed record RepositoryIndexed(string Name, bool Ready, string? Reason, double Milliseconds, DateTimeOffset At);
