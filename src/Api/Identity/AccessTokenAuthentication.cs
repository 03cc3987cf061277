using System.Security.Claims;
using System.Text.Encodings.Web;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Domain.Identity;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// <c>Authorization: Bearer cbs_…</c>: a personal access token (see <see cref="AccessTokenPresented"/>), accepted
/// wherever a login token is, under the same account rule (a locked, expired or removed account's tokens stop working
/// within seconds). The caller gets the same claims a login token carries — subject, token id, expiry — and is marked as
/// having presented an access token (<see cref="CallerExtensions.PresentedAccessToken"/>).
/// </summary>
public sealed class AccessTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AccessToken";

    /// <summary>Whether the request presents an access token (rather than a login token) as its bearer token.</summary>
    public static bool IsPresented(HttpRequest request) =>
        request.Headers.Authorization is [{ } header]
        && header.StartsWith("Bearer " + AccessTokenSecret.Prefix, StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsPresented(Request))
        {
            return AuthenticateResult.NoResult();
        }

        var token = Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        var sender = Context.RequestServices.GetRequiredService<ISender>();
        var presented = await sender.Send(new AccessTokenPresented(token), Context.RequestAborted);
        if (!presented.IsSuccess)
        {
            return AuthenticateResult.Fail(presented.Error.Message);
        }

        var grant = presented.Value;
        var state = Context.RequestServices.GetRequiredService<IAccountStates>().Recent(grant.Username, grant.Uid);
        if (state != AccountState.Usable)
        {
            return AuthenticateResult.Fail(new AccountRefusedException(state, grant.Username));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, grant.Username),
                new Claim(JwtRegisteredClaimNames.Name, grant.Username),
                new Claim(JwtRegisteredClaimNames.Jti, grant.TokenId),
                new Claim(ITokenIssuer.UidClaim, grant.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
                new Claim(JwtRegisteredClaimNames.Exp, grant.ExpiresAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            authenticationType: SchemeName,
            nameType: JwtRegisteredClaimNames.Sub,
            roleType: null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        if (failure is AccountRefusedException refused)
        {
            await refused.WriteAsync(Context);
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
    }
}
