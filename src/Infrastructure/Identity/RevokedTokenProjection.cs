using ClaudeBatch.Application.Identity;
using ClaudeBatch.Domain.Identity;
using Marten;
using Marten.Events.Projections;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>Each <see cref="TokenRevoked"/> becomes a <see cref="RevokedToken"/> document, in the same transaction.</summary>
public sealed partial class RevokedTokenProjection : EventProjection
{
    public RevokedToken Create(TokenRevoked revoked) => new()
    {
        Id = revoked.TokenId,
        Username = revoked.Username,
        RevokedAt = revoked.At,
        ExpiresAt = revoked.ExpiresAt,
    };
}
