using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>The caller's access tokens that are not revoked (expired ones too, until deleted), newest first; never a token or its hash.</summary>
public sealed record ListAccessTokens(string Username) : IQuery<IReadOnlyList<ListAccessTokens.Item>>
{
    public sealed record Item(string Id, string Name, DateTimeOffset Created, DateTimeOffset Expires, DateTimeOffset? LastUsed);

    public sealed class Handler(IAccessTokens tokens) : IQueryHandler<ListAccessTokens, IReadOnlyList<Item>>
    {
        public async ValueTask<IReadOnlyList<Item>> Handle(ListAccessTokens query, CancellationToken cancellationToken) =>
            (await tokens.ListAsync(query.Username, cancellationToken))
                .Select(t => new Item(t.Id, t.Name, t.CreatedAt, t.ExpiresAt, t.LastUsedAt))
                .ToList();
    }
}
