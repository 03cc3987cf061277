using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Domain.Repositories;

/// <summary>
/// A registered git repository: the shared master copy that jobs are copied from. Rebuilt from its events; its
/// decisions return new events or a <see cref="DomainError"/> and never do I/O.
/// </summary>
public sealed class Repository
{
    public string Name { get; private set; } = "";

    public string RegisteredBy { get; private set; } = "";

    public bool IsRegistered { get; private set; }

    /// <summary>When the current registration was made: a name registered again is another repository.</summary>
    public DateTimeOffset RegisteredAt { get; private set; }

    public CloneStatus CloneStatus { get; private set; }

    /// <summary>Whether its master clone is kept semantically indexed (cidx).</summary>
    public bool CidxAware { get; private set; }

    /// <summary>The stream version this state was rebuilt at; appends expect it, so concurrent writers conflict.</summary>
    public long Version { get; private set; }

    public string GitUrl { get; private set; } = "";

    public string? ProtectedCredentials { get; private set; }

    public string Path { get; private set; } = "";

    public static Repository From(IEnumerable<object> events)
    {
        var repository = new Repository();
        foreach (var e in events)
        {
            repository.Evolve(e);
        }

        return repository;
    }

    /// <summary>Registers under this stream's name; a name in use is a conflict, a name once unregistered is free again.</summary>
    public Result<RepositoryRegistered> Register(
        string name, string gitUrl, string? protectedCredentials, string description,
        bool cidxAware, string path, string by, DateTimeOffset now)
    {
        if (IsRegistered)
        {
            return RepositoryErrors.AlreadyRegistered(name);
        }

        return new RepositoryRegistered(name, gitUrl, protectedCredentials, description, cidxAware, path, by, now);
    }

    /// <summary>Only the clone in flight may finish; a repository unregistered meanwhile stays gone.</summary>
    public bool AcceptsCloneResult => IsRegistered && CloneStatus == CloneStatus.Cloning;

    /// <summary>
    /// Brings the master up to date now: a failed clone is cloned again, a cloned master fast-forwarded. While a clone or
    /// the master's indexing runs there is nothing to ask for yet.
    /// </summary>
    public Result<RepositoryRefreshRequested> RequestRefresh(string by, DateTimeOffset now) => CloneStatus switch
    {
        _ when !IsRegistered => RepositoryErrors.NotFound(Name),
        CloneStatus.Failed => new RepositoryRefreshRequested(Name, by, Reclone: true, now),
        CloneStatus.Completed => new RepositoryRefreshRequested(Name, by, Reclone: false, now),
        _ => DomainError.Conflict(
            "repository-busy", $"Repository '{Name}' is {(CloneStatus == CloneStatus.Cloning ? "being cloned" : "being indexed")}; pull it once that is done."),
    };

    public Result<RepositoryUnregistered> Unregister(string caller, bool callerIsAdmin, int activeJobs, bool force, DateTimeOffset now)
    {
        if (!IsRegistered)
        {
            return RepositoryErrors.NotFound(Name);
        }

        if (caller != RegisteredBy && !callerIsAdmin)
        {
            return DomainError.Forbidden(
                "repository-not-yours", $"Only {RegisteredBy}, who registered '{Name}', or an administrator may remove it.");
        }

        if (activeJobs > 0 && !force)
        {
            return DomainError.Conflict(
                "repository-in-use", $"{activeJobs} queued or running job(s) use '{Name}'; wait for them or pass force=true.");
        }

        return new RepositoryUnregistered(Name, caller, force, now);
    }

    /// <summary>
    /// Applies one event of the repository's stream (each counts for <see cref="Version"/>); answers whether it is a
    /// repository event this aggregate knows (a test proves every one is).
    /// </summary>
    public bool Evolve(object e)
    {
        Version++;
        switch (e)
        {
            case RepositoryRegistered registered:
                Name = registered.Name;
                RegisteredBy = registered.RegisteredBy;
                GitUrl = registered.GitUrl;
                ProtectedCredentials = registered.ProtectedCredentials;
                Path = registered.Path;
                CidxAware = registered.CidxAware;
                IsRegistered = true;
                RegisteredAt = registered.At;
                CloneStatus = CloneStatus.Cloning;
                break;
            case RepositoryCloned:
                CloneStatus = CloneStatus.Completed;
                break;
            case RepositoryIndexStarted:
                CloneStatus = CloneStatus.CidxIndexing;
                break;
            case RepositoryIndexed:
                CloneStatus = CloneStatus.Completed;
                break;
            case RepositoryCloneFailed:
                CloneStatus = CloneStatus.Failed;
                break;
            case RepositoryUnregistered:
                IsRegistered = false;
                break;
            case RepositoryRefreshRequested { Reclone: true }:
                CloneStatus = CloneStatus.Cloning;
                break;
            case RepositoryPulled or RepositoryPullFailed or RepositoryRefreshRequested:
                break;
            default:
                return false;
        }

        return true;
    }
}

public static class RepositoryErrors
{
    /// <summary>The URL names a repository that is not registered: 404.</summary>
    public static DomainError NotFound(string name) =>
        DomainError.NotFound("repository-not-found", Unregistered(name));

    /// <summary>
    /// A request body names a repository that is not registered: the same problem type, but 400, because the resource
    /// addressed (e.g. <c>POST /jobs</c>) exists and it is the request that is wrong.
    /// </summary>
    public static DomainError NamedInRequest(string name) =>
        DomainError.Invalid("repository-not-found", Unregistered(name));

    private static string Unregistered(string name) => $"No repository named '{name}' is registered.";

    public static DomainError AlreadyRegistered(string name) =>
        DomainError.Conflict("repository-exists", $"A repository named '{name}' is already registered.");
}
