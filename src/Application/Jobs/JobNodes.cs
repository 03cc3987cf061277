namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// A server process on the shared database, as the node list knows it: <paramref name="Url"/> is where the other nodes
/// reach it (null: they cannot), <paramref name="Alive"/> whether its process holds its name now (a node that died
/// keeps its row, so the jobs it owned can name it).
/// </summary>
public sealed record NodeInfo(string Name, string? Url, DateTimeOffset StartedAt, DateTimeOffset LastSeen, bool Alive);

/// <summary>The nodes that share the database (<c>Jobs:NodeName</c>), alive or not.</summary>
public interface INodeDirectory
{
    /// <summary>This process's node name.</summary>
    string Self { get; }

    Task<NodeInfo?> FindAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>What this node knows of its own previous life (the last process that ran under its name).</summary>
public interface INodeHistory
{
    /// <summary>When the previous life started; null if this name never ran before.</summary>
    DateTimeOffset? PreviousLifeStartedAt { get; }
}
