using System.Security.Claims;
using ClaudeBatch.Application.Identity;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ClaudeBatch.Api.Identity;

/// <summary>What the validated token says about the caller.</summary>
public static class CallerExtensions
{
    public static string Username(this ClaimsPrincipal user) =>
        user.FindFirstValue(JwtRegisteredClaimNames.Sub) ?? throw new InvalidOperationException("An authenticated caller has no subject.");

    /// <summary>The uid of the caller's account, as their credential has it; null for a login token issued before it did.</summary>
    public static int? Uid(this ClaimsPrincipal user) =>
        int.TryParse(user.FindFirstValue(ITokenIssuer.UidClaim), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var uid)
            ? uid
            : null;

    public static string TokenId(this ClaimsPrincipal user) =>
        user.FindFirstValue(JwtRegisteredClaimNames.Jti) ?? throw new InvalidOperationException("An authenticated caller has no token id.");

    /// <summary>Whether the caller presented a personal access token (<c>cbs_…</c>) rather than a login token.</summary>
    public static bool PresentedAccessToken(this ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == AccessTokenAuthentication.SchemeName;

    public static DateTimeOffset TokenExpires(this ClaimsPrincipal user) =>
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(
            user.FindFirstValue(JwtRegisteredClaimNames.Exp) ?? throw new InvalidOperationException("An authenticated caller's token has no expiry."),
            System.Globalization.CultureInfo.InvariantCulture));
}
