using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

public sealed record GetRepository(string Name) : IQuery<Result<RepositoryView>>
{
    public sealed class Handler(IReadModels readModels) : IQueryHandler<GetRepository, Result<RepositoryView>>
    {
        public async ValueTask<Result<RepositoryView>> Handle(GetRepository query, CancellationToken cancellationToken) =>
            await readModels.LoadAsync<RepositoryView>(query.Name, cancellationToken) is { } view
                ? view
                : RepositoryErrors.NotFound(query.Name);
    }
}
