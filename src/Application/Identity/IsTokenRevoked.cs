using ClaudeBatch.Application.Common;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>Asked on every authenticated request, so a logout holds across restarts and servers.</summary>
public sealed record IsTokenRevoked(string TokenId) : IQuery<bool>
{
    public sealed class Handler(IReadModels readModels) : IQueryHandler<IsTokenRevoked, bool>
    {
        public async ValueTask<bool> Handle(IsTokenRevoked query, CancellationToken cancellationToken) =>
            await readModels.LoadAsync<RevokedToken>(query.TokenId, cancellationToken) is not null;
    }
}
