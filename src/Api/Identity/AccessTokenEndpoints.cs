using ClaudeBatch.Api.Errors;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Domain.Identity;
using Mediator;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// Personal access tokens (DESIGN.md §7 "Integration"): made only by a caller who signed in with a password, listed and
/// revoked by their owner. A caller presenting an access token may list the tokens and revoke the one it presents.
/// </summary>
public static class AccessTokenEndpoints
{
    public static IEndpointRouteBuilder MapAccessTokenEndpoints(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/auth/tokens").WithTags("Identity");

        tokens.MapPost("", async (CreateAccessTokenRequest request, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(
                    new CreateAccessToken(
                        http.User.Username(), request.Name, request.ExpiresInDays, http.User.PresentedAccessToken(),
                        http.Connection.RemoteIpAddress?.ToString()),
                    ct)).ToHttp(created => TypedResults.Created($"/auth/tokens/{created.Id}", created)))
            .WithSummary("Make a personal access token (cbs_…) for scripts and CI; the token is shown only in this answer. Sign in with a password to call this.")
            .Produces<CreateAccessToken.Response>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tokens.MapGet("", async (HttpContext http, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListAccessTokens(http.User.Username()), ct)))
            .WithSummary("The caller's access tokens that are not revoked, newest first (never the tokens themselves).")
            .Produces<IReadOnlyList<ListAccessTokens.Item>>();

        tokens.MapDelete("/{id}", async (string id, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(
                    new RevokeAccessToken(
                        http.User.Username(), id, http.User.PresentedAccessToken() ? http.User.TokenId() : null, AccessTokenRevocationReason.Deleted),
                    ct)).ToHttp(_ => TypedResults.NoContent()))
            .WithSummary("Revoke one of the caller's access tokens, at once on every server.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
