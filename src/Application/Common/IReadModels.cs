namespace ClaudeBatch.Application.Common;

/// <summary>The read side: documents kept up to date by projections.</summary>
public interface IReadModels
{
    Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken) where T : class;

    /// <summary>Runs a LINQ query shaped by <paramref name="shape"/> against the documents of type <typeparamref name="T"/>.</summary>
    Task<IReadOnlyList<T>> QueryAsync<T>(Func<IQueryable<T>, IQueryable<T>> shape, CancellationToken cancellationToken) where T : class;

    /// <summary>Runs a LINQ query that selects parts of the documents (their ids, say) rather than whole documents.</summary>
    Task<IReadOnlyList<TResult>> SelectAsync<T, TResult>(Func<IQueryable<T>, IQueryable<TResult>> shape, CancellationToken cancellationToken)
        where T : class where TResult : notnull;

    /// <summary>The documents with these ids that exist, in no particular order.</summary>
    Task<IReadOnlyList<T>> LoadManyAsync<T>(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) where T : class;

    Task<int> CountAsync<T>(Func<IQueryable<T>, IQueryable<T>> shape, CancellationToken cancellationToken) where T : class;
}
