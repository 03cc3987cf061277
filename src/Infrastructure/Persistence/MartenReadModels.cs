using ClaudeBatch.Application.Common;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

internal sealed class MartenReadModels(IQuerySession session) : IReadModels
{
    public Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken) where T : class =>
        session.LoadAsync<T>(id, cancellationToken);

    public async Task<IReadOnlyList<T>> QueryAsync<T>(Func<IQueryable<T>, IQueryable<T>> shape, CancellationToken cancellationToken)
        where T : class =>
        await shape(session.Query<T>()).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<TResult>> SelectAsync<T, TResult>(
        Func<IQueryable<T>, IQueryable<TResult>> shape, CancellationToken cancellationToken) where T : class where TResult : notnull =>
        await shape(session.Query<T>()).ToListAsync(cancellationToken);

    public Task<IReadOnlyList<T>> LoadManyAsync<T>(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) where T : class =>
        session.LoadManyAsync<T>(cancellationToken, ids);

    public Task<int> CountAsync<T>(Func<IQueryable<T>, IQueryable<T>> shape, CancellationToken cancellationToken) where T : class =>
        shape(session.Query<T>()).CountAsync(cancellationToken);
}
