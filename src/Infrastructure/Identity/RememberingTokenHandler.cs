using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Validates login tokens as <see cref="JsonWebTokenHandler"/> does, and remembers each valid one until it expires, so
/// a client's next request with the same token costs a dictionary look-up instead of a parse and an HMAC (about 15 µs,
/// <c>bench/micro.sh --filter '*JwtValidation*'</c>). Only the exact string that validated is remembered: a token
/// that differs in any character is validated in full. Whether the token was revoked and whether its account is still
/// usable are not part of this: they are checked on every request after it (<c>AuthenticationSetup</c>).
/// At most <see cref="Capacity"/> tokens are remembered; past that, the memory starts afresh.
/// </summary>
public sealed class RememberingTokenHandler(TimeProvider clock) : JsonWebTokenHandler
{
    public const int Capacity = 4_096;

    private readonly ConcurrentDictionary<string, Remembered> valid = new(StringComparer.Ordinal);

    private sealed record Remembered(TokenValidationResult Result, DateTimeOffset Expires, TokenValidationParameters Parameters);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (valid.TryGetValue(token, out var known) && SameRules(known.Parameters, validationParameters))
        {
            if (clock.GetUtcNow() < known.Expires)
            {
                return known.Result;
            }

            valid.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken { ValidTo: var validTo } && validTo > DateTime.MinValue)
        {
            if (valid.Count >= Capacity)
            {
                valid.Clear();
            }

            // Until the token's own expiry, without the clock skew the full validation would still allow.
            valid[token] = new Remembered(result, new DateTimeOffset(validTo, TimeSpan.Zero), validationParameters);
        }

        return result;
    }

    /// <summary>
    /// Whether two sets of parameters validate alike. JwtBearerHandler passes a fresh shallow clone of its options' set on
    /// every request, so the same instance is never seen twice (compared by reference, nothing was ever answered from
    /// memory); a clone keeps the same key object, and the rules that decide are compared by value.
    /// </summary>
    private static bool SameRules(TokenValidationParameters a, TokenValidationParameters b) =>
        ReferenceEquals(a, b)
        || (ReferenceEquals(a.IssuerSigningKey, b.IssuerSigningKey) && a.IssuerSigningKeys is null && b.IssuerSigningKeys is null
            && a.IssuerSigningKeyResolver is null && b.IssuerSigningKeyResolver is null && a.SignatureValidator is null && b.SignatureValidator is null
            && a.ValidIssuer == b.ValidIssuer && a.ValidIssuers is null && b.ValidIssuers is null
            && a.ValidAudience == b.ValidAudience && a.ValidAudiences is null && b.ValidAudiences is null
            && a.ValidateIssuer == b.ValidateIssuer && a.ValidateAudience == b.ValidateAudience && a.ValidateLifetime == b.ValidateLifetime
            && a.ValidateIssuerSigningKey == b.ValidateIssuerSigningKey && a.RequireSignedTokens == b.RequireSignedTokens
            && a.RequireExpirationTime == b.RequireExpirationTime && a.ClockSkew == b.ClockSkew
            && (a.ValidAlgorithms ?? []).SequenceEqual(b.ValidAlgorithms ?? [], StringComparer.Ordinal));
}
