using ClaudeBatch.Api.Idempotency;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Application.Repositories;
using Mediator;

namespace ClaudeBatch.Api.Repositories;

public static class RepositoryEndpoints
{
    public static IEndpointRouteBuilder MapRepositoryEndpoints(this IEndpointRouteBuilder app)
    {
        var repositories = app.MapGroup("/repositories").WithTags("Repositories");

        repositories.MapPost("/register", async (RegisterRequest request, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(
                    new RegisterRepository(
                        request.Name ?? "", request.GitUrl ?? "", request.Description ?? "", request.CidxAware ?? false, http.User.Username()),
                    ct)).ToHttp(view => TypedResults.Created($"/repositories/{view.Name}", view)))
            .Idempotent()
            .WithSummary("Register a git repository; it is cloned in the background (cloneStatus: cloning → completed | failed).")
            .Produces<RepositoryView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        repositories.MapGet("/", async (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListRepositories(), ct)))
            .WithSummary("Every registered repository.");

        repositories.MapGet("/{name}", async (string name, ISender sender, CancellationToken ct) =>
                (await sender.Send(new GetRepository(name), ct)).ToHttp(view => TypedResults.Ok(view)))
            .WithSummary("One repository and the state of its master clone.")
            .Produces<RepositoryView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        repositories.MapPost("/{name}/pull", async (string name, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new RefreshRepository(name, http.User.Username()), ct))
                    .ToHttp(response => TypedResults.Accepted($"/repositories/{name}", response)))
            .WithSummary("Bring the master up to date now: a failed clone is cloned again, a cloned master fast-forwarded, in the background (follow GET /repositories/{name}). 409 while it is being cloned or indexed.")
            .Produces<RefreshRepository.Response>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        repositories.MapDelete("/{name}", async (string name, bool? force, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new UnregisterRepository(name, http.User.Username(), force ?? false), ct))
                    .ToHttp(response => TypedResults.Ok(response)))
            .WithSummary("Remove a repository (its registrant or an administrator); 409 while jobs use it unless force=true.")
            .Produces<UnregisterRepository.Response>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }
}
