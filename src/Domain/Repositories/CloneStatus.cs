namespace ClaudeBatch.Domain.Repositories;

/// <summary>The life of a master clone; serialized in snake_case as the API shows it.</summary>
public enum CloneStatus
{
    Cloning,
    CidxIndexing,
    Completed,
    Failed,
}
