using ClaudeBatch.Application.Common;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Every registered repository, by name: they are shared master copies, visible to every user.</summary>
public sealed record ListRepositories : IQuery<IReadOnlyList<RepositoryView>>
{
    public sealed class Handler(IReadModels readModels) : IQueryHandler<ListRepositories, IReadOnlyList<RepositoryView>>
    {
        public async ValueTask<IReadOnlyList<RepositoryView>> Handle(ListRepositories query, CancellationToken cancellationToken) =>
            await readModels.QueryAsync<RepositoryView>(views => views.OrderBy(v => v.Name), cancellationToken);
    }
}
