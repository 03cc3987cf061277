using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Identity;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>
/// Asked on every request that presents <c>Bearer cbs_…</c>: which unrevoked, unexpired token it is. Answered from the
/// in-memory <see cref="IAccessTokenCache"/>; from the store only when the cache does not know the token (made on
/// another server a moment ago, or not a token at all) or is not current. The use is recorded for <c>lastUsed</c> off
/// the request's path. (The account's state is the caller's to check, as for a login token.)
/// </summary>
public sealed record AccessTokenPresented(string Token) : IQuery<Result<AccessTokenGrant>>
{
    public static readonly DomainError Invalid =
        DomainError.Unauthorized("access-token-invalid", "The access token is unknown or has been revoked.");

    public static readonly DomainError Expired =
        DomainError.Unauthorized("access-token-expired", "The access token has expired.");

    public override string ToString() => "AccessTokenPresented { Token = *** }";

    public sealed class Handler(IAccessTokenCache cache, IAccessTokens tokens, IAccessTokenUse use, TimeProvider clock)
        : IQueryHandler<AccessTokenPresented, Result<AccessTokenGrant>>
    {
        public async ValueTask<Result<AccessTokenGrant>> Handle(AccessTokenPresented query, CancellationToken cancellationToken)
        {
            if (!AccessTokenSecret.IsWellFormed(query.Token))
            {
                return Invalid;
            }

            var hash = AccessTokenSecret.HashOf(query.Token);
            var grant = cache.Find(hash);
            if (grant is null && await tokens.FindByHashAsync(hash, cancellationToken) is { } stored)
            {
                cache.Remember(stored);
                grant = AccessTokenGrant.Of(stored);
            }

            var now = clock.GetUtcNow();
            if (grant is null || grant.Revoked)
            {
                return Invalid;
            }

            if (grant.ExpiresAt <= now)
            {
                return Expired;
            }

            use.Record(grant.TokenId, now);
            return grant;
        }
    }
}
