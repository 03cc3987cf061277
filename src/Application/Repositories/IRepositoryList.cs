namespace ClaudeBatch.Application.Repositories;

/// <summary>Every registered repository.</summary>
public interface IRepositoryList
{
    /// <summary>All of them, ordered by name.</summary>
    Task<IReadOnlyList<RepositoryView>> ByNameAsync(CancellationToken cancellationToken);
}
