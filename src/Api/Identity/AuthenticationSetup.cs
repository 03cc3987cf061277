using ClaudeBatch.Application.Identity;
using ClaudeBatch.Infrastructure.Identity;
using Mediator;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// JwtBearer validates signature (HS256 only), issuer, audience and expiry; then the token id is checked against
/// the revocation list in PostgreSQL on every request. Everything but login, health and the API docs needs a token.
/// </summary>
public static class AuthenticationSetup
{
    public static IServiceCollection AddServerAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwtOptions>((bearer, jwt) =>
            {
                bearer.MapInboundClaims = false;
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
                bearer.Events = new JwtBearerEvents { OnTokenValidated = RejectRevokedTokens };
            });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    private static async Task RejectRevokedTokens(TokenValidatedContext context)
    {
        var tokenId = context.Principal?.FindFirst(JwtRegisteredClaimNames.Jti)?.Value;
        if (string.IsNullOrEmpty(tokenId))
        {
            context.Fail("The token has no id.");
            return;
        }

        var sender = context.HttpContext.RequestServices.GetRequiredService<ISender>();
        if (await sender.Send(new IsTokenRevoked(tokenId), context.HttpContext.RequestAborted))
        {
            context.Fail("The token has been revoked.");
        }
    }
}
