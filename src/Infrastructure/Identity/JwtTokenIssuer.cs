using System.Globalization;
using System.Security.Claims;
using ClaudeBatch.Application.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>Issues HS256 tokens with issuer, audience, expiry and a unique <c>jti</c> that logout can revoke.</summary>
internal sealed class JwtTokenIssuer(JwtOptions options) : ITokenIssuer
{
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    public IssuedToken Issue(OsAccount account, DateTimeOffset now)
    {
        var tokenId = Guid.NewGuid().ToString("N");
        var expires = now.AddHours(options.ExpiryHours);
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(options.SigningKey(), SecurityAlgorithms.HmacSha256),
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, account.Username),
                new Claim(JwtRegisteredClaimNames.Name, account.Username),
                new Claim(JwtRegisteredClaimNames.Jti, tokenId),
                new Claim(ITokenIssuer.UidClaim, account.Uid.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
            ]),
        });

        // Whole seconds: the token's exp claim has no finer resolution, and the revocation must match it.
        return new IssuedToken(token, tokenId, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}
