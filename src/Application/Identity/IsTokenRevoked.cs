using ClaudeBatch.Application.Common;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>
/// Asked on every authenticated request, so a logout holds across restarts and servers: answered from the in-memory
/// <see cref="IRevocationList"/>, and from the store only while that list is not current (at start, or while its
/// notifications are cut off).
/// </summary>
public sealed record IsTokenRevoked(string TokenId) : IQuery<bool>
{
    public sealed class Handler(IRevocationList revocations, IReadModels readModels) : IQueryHandler<IsTokenRevoked, bool>
    {
        public async ValueTask<bool> Handle(IsTokenRevoked query, CancellationToken cancellationToken) =>
            revocations.IsRevoked(query.TokenId)
            ?? await readModels.LoadAsync<RevokedToken>(query.TokenId, cancellationToken) is not null;
    }
}
