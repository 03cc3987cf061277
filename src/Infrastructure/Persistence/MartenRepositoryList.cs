using ClaudeBatch.Application.Repositories;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

internal sealed class MartenRepositoryList(IQuerySession session) : IRepositoryList
{
    public async Task<IReadOnlyList<RepositoryView>> ByNameAsync(CancellationToken cancellationToken) =>
        await session.Query<RepositoryView>().OrderBy(v => v.Name).ToListAsync(cancellationToken);
}
