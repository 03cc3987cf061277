using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Api.Nodes;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Api.Jobs;

/// <summary>What a job's agent changed: <c>GET /jobs/{id}/diff</c> (unified) and <c>?format=stat</c> (JSON), and <c>POST /jobs/{id}/push</c>.</summary>
public static class JobChangesEndpoints
{
    /// <summary>Set to <c>true</c> on a diff cut at <c>Jobs:MaxDiffBytes</c> (the body stays a valid diff of whole lines).</summary>
    public const string TruncatedHeader = "Diff-Truncated";

    public static IEndpointRouteBuilder MapJobChangesEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/jobs/{jobId:guid}/diff", async (Guid jobId, string? format, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var user = http.User.Username();
                switch (format)
                {
                    case "stat":
                        return (await sender.Send(new GetJobChangeStat(jobId.ToString(), user), ct)).ToHttp(stat => TypedResults.Ok(stat));
                    case null or "" or "unified":
                        return (await sender.Send(new GetJobDiff(jobId.ToString(), user), ct)).ToHttp(diff =>
                        {
                            if (diff.Truncated)
                            {
                                http.Response.Headers[TruncatedHeader] = "true";
                            }

                            return TypedResults.Text(diff.Text, "text/x-diff; charset=utf-8");
                        });
                    default:
                        return DomainError.Invalid("diff-format", $"format must be 'unified' (the default) or 'stat', not '{format}'.").ToProblem();
                }
            })
            .WithTags("Jobs")
            .OnJobNode()
            .WithSummary($"The workspace's changes against the commit it was copied from (baseCommit), computed as the job's user: a unified diff (text/x-diff; cut at Jobs:MaxDiffBytes, then {TruncatedHeader}: true), or ?format=stat for the files changed with lines added and deleted.")
            .Produces<string>(contentType: "text/x-diff")
            .Produces<ChangeStat>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);

        app.MapPost("/jobs/{jobId:guid}/push", async (Guid jobId, PushRequest? request, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new PushJobChanges(jobId.ToString(), http.User.Username(), request?.Branch, request?.Message, request?.Force ?? false), ct))
                    .ToHttp(pushed => TypedResults.Ok(pushed)))
            .WithTags("Jobs")
            .OnJobNode()
            .WithSummary("Commit the workspace's changes as the job's user and push them to the repository's origin as a new branch (default claude-batch/<first 8 of the job id>), through the server's master clone and the registration's credentials. 409 while the job is queued or running or when the branch exists (unless force), 422 when there is nothing to commit, 409 push-failed when origin refuses.")
            .Produces<PushJobChanges.Response>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }
}
