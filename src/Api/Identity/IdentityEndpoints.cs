using ClaudeBatch.Api.Errors;
using ClaudeBatch.Application.Identity;
using Mediator;

namespace ClaudeBatch.Api.Identity;

public static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/auth").WithTags("Identity");

        auth.MapPost("/login", async (LoginRequest request, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(
                    new Login(request.Username ?? "", request.Password ?? "", http.Connection.RemoteIpAddress?.ToString()),
                    ct)).ToHttp(response => TypedResults.Ok(response)))
            .AllowAnonymous()
            .WithLoginRateLimit()
            .WithSummary("Log in with an OS account; returns a bearer token.")
            .Produces<Login.Response>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        auth.MapPost("/logout", async (HttpContext http, ISender sender, CancellationToken ct) =>
                http.User.PresentedAccessToken()
                    ? (await sender.Send(new RevokeAccessToken(
                        http.User.Username(), http.User.TokenId(), http.User.TokenId(), Domain.Identity.AccessTokenRevocationReason.LoggedOut), ct))
                        .ToHttp(revoked => TypedResults.Ok(new Logout.Response(revoked.Success, revoked.Message)))
                    : TypedResults.Ok(await sender.Send(
                        new Logout(http.User.Username(), http.User.TokenId(), http.User.TokenExpires()), ct)))
            .WithSummary("Revoke the presented token (a login token, or a personal access token).")
            .Produces<Logout.Response>();

        auth.MapGet("/me", async (HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new GetCurrentUser(http.User.Username(), http.User.TokenExpires()), ct))
                    .ToHttp(response => TypedResults.Ok(response)))
            .WithSummary("Who the token belongs to.")
            .Produces<GetCurrentUser.Response>();

        auth.MapGet("/history", async (HttpContext http, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetAccountHistory(http.User.Username()), ct)))
            .WithSummary("The caller's security history: logins, refused logins and revocations, oldest first.");

        app.MapAccessTokenEndpoints();
        return app;
    }
}
