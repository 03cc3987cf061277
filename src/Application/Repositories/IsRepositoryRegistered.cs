using ClaudeBatch.Application.Common;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Whether a repository of this name is registered now (read from its stream, not from a view that may lag).</summary>
public sealed record IsRepositoryRegistered(string Name) : IQuery<bool>
{
    public sealed class Handler(IEventStore store) : IQueryHandler<IsRepositoryRegistered, bool>
    {
        public async ValueTask<bool> Handle(IsRepositoryRegistered query, CancellationToken cancellationToken) =>
            (await store.LoadRepositoryAsync(query.Name, cancellationToken)).IsRegistered;
    }
}
