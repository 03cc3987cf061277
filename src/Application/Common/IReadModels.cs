namespace ClaudeBatch.Application.Common;

/// <summary>The read side: documents kept up to date by projections.</summary>
public interface IReadModels
{
    Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken) where T : class;
}
