using System.Globalization;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Infrastructure.Identity;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// JwtBearer validates signature (HS256 only), issuer, audience and expiry; then, on every request, the account must
/// still be usable (not locked, expired or gone from the account files, as of a few seconds ago) and the token id must
/// not be revoked (a list kept in memory and current across servers; see <see cref="IsTokenRevoked"/>). Everything but
/// login, health and the API docs needs a token.
/// </summary>
public static class AuthenticationSetup
{
    /// <summary>The default scheme: a login token or a personal access token, by the token's form.</summary>
    public const string BearerScheme = "BearerOrAccessToken";

    public static IServiceCollection AddServerAuthentication(this IServiceCollection services)
    {
        // One bearer scheme for clients: a personal access token (cbs_…) goes to its handler, anything else is a JWT.
        services.AddAuthentication(BearerScheme)
            .AddPolicyScheme(BearerScheme, null, options => options.ForwardDefaultSelector = context =>
                AccessTokenAuthentication.IsPresented(context.Request) ? AccessTokenAuthentication.SchemeName : JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, AccessTokenAuthentication>(AccessTokenAuthentication.SchemeName, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwtOptions, TimeProvider>((bearer, jwt, clock) =>
            {
                bearer.MapInboundClaims = false;
                // A token seen valid before is not parsed and verified again until it expires (revocation and the
                // account's state are still checked on every request, below).
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(new RememberingTokenHandler(clock));
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = jwt.SigningKey(),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    ClockSkew = TimeSpan.FromSeconds(jwt.ClockSkewSeconds),
                    NameClaimType = JwtRegisteredClaimNames.Sub,
                };
                bearer.Events = new JwtBearerEvents
                {
                    OnTokenValidated = RejectUnusableAccountsAndRevokedTokens,
                    OnChallenge = ExplainAccountRefusal,
                };
            });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    private static async Task RejectUnusableAccountsAndRevokedTokens(TokenValidatedContext context)
    {
        var username = context.Principal?.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        var tokenId = context.Principal?.FindFirst(JwtRegisteredClaimNames.Jti)?.Value;
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(tokenId))
        {
            context.Fail("The token has no subject or no id.");
            return;
        }

        // A look-up in a snapshot of the account files, then one in the revocation list (in memory once loaded). The
        // account is the one the token was issued to, by uid too; a token from before the uid was written in tokens
        // is held to the name alone until it expires.
        var accounts = context.HttpContext.RequestServices.GetRequiredService<IAccountStates>();
        var uid = context.Principal?.FindFirst(ITokenIssuer.UidClaim)?.Value;
        var state = uid is null ? accounts.Recent(username)
            : int.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var issuedTo) ? accounts.Recent(username, issuedTo)
            : AccountState.Gone;
        if (state != AccountState.Usable)
        {
            context.Fail(new AccountRefusedException(state, username));
            return;
        }

        var sender = context.HttpContext.RequestServices.GetRequiredService<ISender>();
        if (await sender.Send(new IsTokenRevoked(tokenId), context.HttpContext.RequestAborted))
        {
            context.Fail("The token has been revoked.");
        }
    }

    /// <summary>A token refused for its account's state says why (to its holder, who owns the account).</summary>
    private static async Task ExplainAccountRefusal(JwtBearerChallengeContext context)
    {
        if (context.AuthenticateFailure is not AccountRefusedException refused)
        {
            return;
        }

        context.HandleResponse();
        await refused.WriteAsync(context.HttpContext);
    }
}

/// <summary>A token refused for its account's state: the 401 says why (to its holder, who owns the account).</summary>
internal sealed class AccountRefusedException(AccountState state, string username) : Exception(state.Refusal(username))
{
    public AccountState State { get; } = state;

    public async Task WriteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = ProblemTypes.TitleFor(Domain.Common.ErrorKind.Unauthorized),
                Detail = Message,
                Type = ProblemTypes.For("account-" + State.ToString().ToLowerInvariant()),
            },
        });
    }
}
