using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Read model of a registered repository, kept by a projection of its stream.</summary>
public sealed class RepositoryView
{
    public string Name { get; set; } = "";

    public string Path { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>Never contains credentials.</summary>
    public string GitUrl { get; set; } = "";

    public DateTimeOffset RegisteredAt { get; set; }

    public string RegisteredBy { get; set; } = "";

    public CloneStatus CloneStatus { get; set; }

    public string? CurrentBranch { get; set; }

    public string? CommitHash { get; set; }

    public string? CommitMessage { get; set; }

    public DateTimeOffset? LastPull { get; set; }

    public bool CidxAware { get; set; }

    /// <summary>Whether the master's semantic index was ready after its last indexing, and if not, why.</summary>
    public bool? CidxReady { get; set; }

    public string? CidxError { get; set; }

    public DateTimeOffset? LastIndexed { get; set; }

    public long? SizeBytes { get; set; }

    public string? Error { get; set; }

    public static RepositoryView From(RepositoryRegistered registered) => new()
    {
        Name = registered.Name,
        Path = registered.Path,
        Description = registered.Description,
        GitUrl = registered.GitUrl,
        RegisteredAt = registered.At,
        RegisteredBy = registered.RegisteredBy,
        CloneStatus = CloneStatus.Cloning,
        CidxAware = registered.CidxAware,
    };

    /// <summary>
    /// The view's one rule, used by the inline projection: the view after <paramref name="e"/>; null once the repository
    /// is unregistered (the projection then deletes the view).
    /// </summary>
    public static RepositoryView? Next(RepositoryView? view, object e) => e switch
    {
        RepositoryRegistered registered => From(registered),
        RepositoryUnregistered => null,
        _ when view is not null && view.When(e) => view,
        _ => view,
    };

    /// <summary>Applies one event after the registration; answers whether it is one the view knows (a test proves every one is).</summary>
    public bool When(object e)
    {
        switch (e)
        {
            case RepositoryCloned cloned:
                CloneStatus = CloneStatus.Completed;
                CurrentBranch = cloned.Branch;
                CommitHash = cloned.CommitHash;
                CommitMessage = cloned.CommitMessage;
                LastPull = cloned.At;
                SizeBytes = cloned.SizeBytes;
                Error = null;
                break;
            case RepositoryPulled pulled:
                (CommitHash, LastPull, Error) = (pulled.CommitHash, pulled.At, null);
                break;
            case RepositoryPullFailed failed:
                Error = failed.Reason;
                break;
            case RepositoryRefreshRequested { Reclone: true }:
                (CloneStatus, Error) = (CloneStatus.Cloning, null);
                break;
            case RepositoryRefreshRequested:
                break;
            case RepositoryIndexStarted:
                CloneStatus = CloneStatus.CidxIndexing;
                break;
            case RepositoryIndexed indexed:
                (CloneStatus, CidxReady, CidxError, LastIndexed) = (CloneStatus.Completed, indexed.Ready, indexed.Reason, indexed.At);
                break;
            case RepositoryCloneFailed failed:
                (CloneStatus, Error) = (CloneStatus.Failed, failed.Reason);
                break;
            case RepositoryRegistered or RepositoryUnregistered:
                break;
            default:
                return false;
        }

        return true;
    }
}
