using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Every registered repository, by name: they are shared master copies, visible to every user.</summary>
public sealed record ListRepositories : IQuery<IReadOnlyList<RepositoryView>>
{
    public sealed class Handler(IRepositoryList repositories) : IQueryHandler<ListRepositories, IReadOnlyList<RepositoryView>>
    {
        public async ValueTask<IReadOnlyList<RepositoryView>> Handle(ListRepositories query, CancellationToken cancellationToken) =>
            await repositories.ByNameAsync(cancellationToken);
    }
}
