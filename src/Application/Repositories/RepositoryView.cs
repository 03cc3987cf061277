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

    public void Apply(RepositoryCloned cloned)
    {
        CloneStatus = CloneStatus.Completed;
        CurrentBranch = cloned.Branch;
        CommitHash = cloned.CommitHash;
        CommitMessage = cloned.CommitMessage;
        LastPull = cloned.At;
        SizeBytes = cloned.SizeBytes;
        Error = null;
    }

    public void Apply(RepositoryPulled pulled)
    {
        CommitHash = pulled.CommitHash;
        LastPull = pulled.At;
    }

    public void Apply(RepositoryIndexStarted started) => CloneStatus = CloneStatus.CidxIndexing;

    public void Apply(RepositoryIndexed indexed)
    {
        CloneStatus = CloneStatus.Completed;
        CidxReady = indexed.Ready;
        CidxError = indexed.Reason;
        LastIndexed = indexed.At;
    }

    public void Apply(RepositoryCloneFailed failed)
    {
        CloneStatus = CloneStatus.Failed;
        Error = failed.Reason;
    }
}
