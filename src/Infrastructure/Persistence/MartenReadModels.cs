using ClaudeBatch.Application.Common;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

internal sealed class MartenReadModels(IQuerySession session) : IReadModels
{
    public Task<T?> LoadAsync<T>(string id, CancellationToken cancellationToken) where T : class =>
        session.LoadAsync<T>(id, cancellationToken);
}
