using ClaudeBatch.Application.Identity;
using Marten;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>The access-token documents, in the request's session: a stored change commits with its events.</summary>
internal sealed class MartenAccessTokens(IDocumentSession session) : IAccessTokens
{
    public void Store(AccessToken token) => session.Store(token);

    public Task<AccessToken?> FindAsync(string tokenId, CancellationToken cancellationToken) =>
        session.LoadAsync<AccessToken>(tokenId, cancellationToken);

    public async Task<AccessToken?> FindByHashAsync(string tokenHash, CancellationToken cancellationToken) =>
        await session.Query<AccessToken>().FirstOrDefaultAsync(t => t.TokenHash == tokenHash, cancellationToken);

    public async Task<IReadOnlyList<AccessToken>> ListAsync(string username, CancellationToken cancellationToken) =>
        await session.Query<AccessToken>()
            .Where(t => t.Username == username && t.RevokedAt == null)
            .OrderByDescending(t => t.CreatedAt)
            .ToListAsync(cancellationToken);
}
