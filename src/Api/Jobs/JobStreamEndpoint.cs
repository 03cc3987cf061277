using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ClaudeBatch.Api.Jobs;

/// <summary>
/// <c>GET /jobs/{id}/stream</c>: Server-Sent Events. Each stored event of the job is sent with its stream version
/// as <c>id:</c> and <c>event: status|message|step</c>; a client reconnecting with <c>Last-Event-ID</c> gets what
/// it missed and then the live tail. Comments keep idle connections open; the stream ends with the job. A user holds
/// at most <c>Jobs:MaxStreamsPerUser</c> streams open at once (429 beyond).
/// </summary>
public static class JobStreamEndpoint
{
    /// <summary>The streams each user holds open on this server: a concurrency limit per user, without a queue.</summary>
    public sealed class OpenStreams(JobsOptions options) : IDisposable
    {
        private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(user =>
            RateLimitPartition.GetConcurrencyLimiter(user, _ => new ConcurrencyLimiterOptions { PermitLimit = options.MaxStreamsPerUser, QueueLimit = 0 }));

        public RateLimitLease TryOpen(string user) => limiter.AttemptAcquire(user);

        public void Dispose() => limiter.Dispose();
    }

    public static IServiceCollection AddJobStreamLimits(this IServiceCollection services) => services.AddSingleton<OpenStreams>();

    public static IEndpointRouteBuilder MapJobStreamEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/jobs/{jobId:guid}/stream", StreamAsync)
            .WithTags("Jobs")
            .WithSummary("Follow the job live (text/event-stream); resumes after Last-Event-ID; ends when the job ends.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<IResult> StreamAsync(
        Guid jobId, HttpContext http, ISender sender, JobsOptions options, OpenStreams streams,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        // Held for as long as the stream is open.
        using var place = streams.TryOpen(http.User.Username());
        if (!place.IsAcquired)
        {
            return new DomainError(
                "too-many-streams",
                $"You have {options.MaxStreamsPerUser} streams open, the most Jobs:MaxStreamsPerUser allows; close one first.",
                ErrorKind.TooManyRequests).ToProblem();
        }

        var resumeFrom = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query["lastEventId"].FirstOrDefault();
        long afterVersion = 0;
        if (resumeFrom is not null && (!long.TryParse(resumeFrom, NumberStyles.None, CultureInfo.InvariantCulture, out afterVersion)))
        {
            return DomainError.Invalid("invalid-last-event-id", "Last-Event-ID must be the non-negative number of an event of this stream.").ToProblem();
        }

        // Owner only: someone else's job, like a missing one, is 404 before anything is streamed.
        var job = await sender.Send(new GetJob(jobId.ToString(), http.User.Username()), cancellationToken);
        if (!job.IsSuccess)
        {
            return job.Error.ToProblem();
        }

        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.WriteAsync("retry: 2000\n\n", cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);

        var serializer = json.Value.SerializerOptions;
        var watch = new WatchJob(jobId.ToString(), afterVersion, TimeSpan.FromSeconds(options.StreamHeartbeatSeconds));
        try
        {
            await foreach (var update in sender.CreateStream(watch, cancellationToken))
            {
                await http.Response.WriteAsync(Format(update, serializer), cancellationToken);
                await http.Response.Body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }

        return Results.Empty;
    }

    private static string Format(JobUpdate update, JsonSerializerOptions serializer)
    {
        if (update.Kind == JobUpdate.HeartbeatKind)
        {
            return $": heartbeat {update.At:O}\n\n";
        }

        var data = JsonSerializer.Serialize(new
        {
            id = update.Id,
            type = update.Type,
            status = update.Status,
            previousStatus = update.PreviousStatus,
            at = update.At,
            data = update.Data,
        }, serializer);
        return new StringBuilder()
            .Append("id: ").Append(update.Id.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("event: ").Append(update.Kind).Append('\n')
            .Append("data: ").Append(data).Append("\n\n")
            .ToString();
    }
}
