namespace ClaudeBatch.Application.Common;

/// <summary>
/// The read side: documents kept up to date by projections, loaded by id. Lists and searches are ports of their own
/// (<c>IJobListJson</c>, <c>IRepositoryList</c>, …), so no query shape crosses into the Application.
/// </summary>
public interface IReadModels
{
    Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken) where T : class;
}
