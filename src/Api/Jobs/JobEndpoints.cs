using ClaudeBatch.Api.Idempotency;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Api.Nodes;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Api.Jobs;

public static class JobEndpoints
{
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").WithTags("Jobs");

        jobs.MapPost("/", async (CreateJobRequest request, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var options = request.Options ?? new CreateJobOptions(null, null, null, null, null);
                var command = new CreateJob(
                    http.User.Username(), request.Prompt ?? "", request.Repository ?? "", request.Images ?? [],
                    options.Timeout, options.GitAware ?? true, options.CidxAware ?? true, options.Model, options.MaxTurns, http.User.Uid());
                return (await sender.Send(command, ct)).ToHttp(created => TypedResults.Created($"/jobs/{created.JobId}", created));
            })
            .Idempotent()
            .WithSummary("Create a job against a registered repository; it runs when started.")
            .Produces<CreateJob.Response>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        jobs.MapPost("/{jobId:guid}/start", async (Guid jobId, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new StartJob(jobId.ToString(), http.User.Username()), ct))
                    .ToHttp(started => TypedResults.Accepted($"/jobs/{jobId}", started)))
            .Idempotent()
            .OnJobNode()
            .WithSummary("Queue the job. 202 with its place in the queue.")
            .Produces<StartJob.Response>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        jobs.MapPost("/{jobId:guid}/prompts", async (Guid jobId, FollowUpRequest request, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new FollowUpJob(jobId.ToString(), http.User.Username(), request.Prompt ?? ""), ct))
                    .ToHttp(queued => TypedResults.Accepted($"/jobs/{jobId}", queued)))
            .Idempotent()
            .OnJobNode()
            .WithSummary("Answer a finished job: its next turn resumes the agent's session in the same workspace. 202 with the turn and its place in the queue.")
            .Produces<FollowUpJob.Response>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        jobs.MapGet("/{jobId:guid}", async (Guid jobId, HttpContext http, ISender sender, CancellationToken ct) =>
            {
                var (id, user) = (jobId.ToString(), http.User.Username());
                // Read before the job, so the job read after it is as new or newer: versions only grow, so when this
                // revision comes back, the job has not changed since.
                var revision = await sender.Send(new GetJobRevision(id, user), ct);
                if (!revision.IsSuccess)
                {
                    return revision.Error.ToProblem();
                }

                var version = revision.Value.Version;
                if (ConditionalGet.Matches(http.Request, JobTag(version, revision.Value.QueuePosition)))
                {
                    return ConditionalGet.NotModified(http, JobTag(version, revision.Value.QueuePosition));
                }

                return (await sender.Send(new GetJob(id, user), ct))
                    .ToHttp(job => ConditionalGet.Tagged(http, JobTag(version, job.QueuePosition), TypedResults.Ok(job)));
            })
            .WithSummary("The job: status, output, git and cidx status, timings, cost. ETag; If-None-Match answers 304 while it has not changed.")
            .Produces<JobDetails>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/", async (
                string? status, int? page, int? pageSize, string? repository, HttpContext http, ISender sender, IValidator<ListJobs> validator,
                CancellationToken ct) =>
            {
                JobStatus? wanted = null;
                if (!string.IsNullOrEmpty(status))
                {
                    // One name: Enum.TryParse would also take a number, spaces, or "a,b" as the two flags combined.
                    if (!status.All(c => char.IsAsciiLetter(c) || c == '_')
                        || !Enum.TryParse<JobStatus>(status.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed)
                        || !Enum.IsDefined(parsed))
                    {
                        return Results.ValidationProblem(
                            new Dictionary<string, string[]> { ["status"] = [$"'{status}' is not a job status."] },
                            type: ProblemTypes.For("validation"));
                    }

                    wanted = parsed;
                }

                var query = new ListJobs(http.User.Username(), wanted, page ?? 1, pageSize ?? 50, string.IsNullOrEmpty(repository) ? null : repository);
                if (!validator.Validate(query).IsValid)
                {
                    // The mediator's validation throws, and the problem is answered.
                    return TypedResults.Bytes((await sender.Send(query, ct)).Json, JsonContentType);
                }

                // The user's revision now (it only grows; the queue positions move with other users' jobs too, so they are
                // in the tag): a match answers 304, and a page read at this same revision may come from memory. The page's
                // own tag is that of the snapshot it was read in.
                var revision = await sender.Send(new GetJobListRevision(query.User), ct);
                var tag = ListTag(revision, query);
                if (ConditionalGet.Matches(http.Request, tag))
                {
                    return ConditionalGet.NotModified(http, tag);
                }

                var read = await sender.Send(query with { Current = revision }, ct);
                return ConditionalGet.Tagged(http, ListTag(read.Revision, query), TypedResults.Bytes(read.Json, JsonContentType));
            })
            .WithSummary("The caller's jobs, newest first, each with its queuePosition: ?status=&repository=&page=&pageSize= (default 50, at most 500). ETag; If-None-Match answers 304.")
            .Produces<ListJobs.Response>()
            .Produces(StatusCodes.Status304NotModified);

        jobs.MapPost("/{jobId:guid}/cancel", async (Guid jobId, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new CancelJob(jobId.ToString(), http.User.Username()), ct)).ToHttp(r => TypedResults.Ok(r)))
            .WithSummary("Cancel the job; a running one has its processes killed. The workspace is kept.")
            .Produces<CancelJob.Response>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        jobs.MapDelete("/{jobId:guid}", async (Guid jobId, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new DeleteJob(jobId.ToString(), http.User.Username()), ct)).ToHttp(r => TypedResults.Ok(r)))
            .OnJobNode()
            .WithSummary("Stop the job if it runs and remove its workspace; afterwards the job is gone (404).")
            .Produces<DeleteJob.Response>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/{jobId:guid}/events", async (Guid jobId, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new GetJobEvents(jobId.ToString(), http.User.Username()), ct)).ToHttp(events => TypedResults.Ok(events)))
            .WithSummary("The audit trail: every stored event of the job with sequence, version, type, timestamp and data.")
            .Produces<IReadOnlyList<StoredEvent>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        jobs.MapGet("/{jobId:guid}/history", async (Guid jobId, DateTimeOffset at, HttpContext http, ISender sender, CancellationToken ct) =>
                (await sender.Send(new GetJobHistory(jobId.ToString(), http.User.Username(), at), ct)).ToHttp(job => TypedResults.Ok(job)))
            .WithSummary("The job as it stood at ?at=<ISO-8601>, rebuilt from its events.")
            .Produces<JobDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app.MapJobChangesEndpoints();
    }

    /// <summary>What ASP.NET writes for a JSON result, and so what the list's JSON, written by the store, is sent as.</summary>
    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>A page of <c>GET /jobs</c> is fixed by the user's revision, their kept count, the places of their waiting jobs, and the query.</summary>
    private static Microsoft.Net.Http.Headers.EntityTagHeaderValue ListTag(GetJobListRevision.Response revision, ListJobs query) =>
        ConditionalGet.Tag(
            $"{revision.Revision}.{revision.Counted}.{revision.Queue}.{query.Status?.ToString() ?? "all"}.{query.Repository ?? "*"}.{query.Page}.{query.PageSize}");

    /// <summary>A job as <c>GET /jobs/{id}</c> shows it is its view, fixed by its version, and its place in the queue.</summary>
    private static Microsoft.Net.Http.Headers.EntityTagHeaderValue JobTag(long version, int queuePosition) =>
        ConditionalGet.Tag($"{version}.{queuePosition}");
}
