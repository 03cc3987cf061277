using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Api.Identity;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on a POST that creates or queues (DESIGN.md §7 "Integration"): the same key from the same user
/// for the same request within 24 h answers the first response again (<c>Idempotent-Replayed: true</c>); for another
/// request, a 422; while the first is still running, a 409. The request is compared by a fingerprint of its route and
/// its bound arguments (the parsed body: spacing and key order do not matter), never kept itself. Once claimed, the
/// request runs to its end even if the client goes away (its retry gets the answer). An answer that may differ when
/// sent again — a 5xx, a 409 or a 429 (the job not finished yet, a full queue), an exception — keeps nothing.
/// </summary>
public sealed class IdempotencyFilter(IIdempotencyKeys keys, ILogger<IdempotencyFilter> logger) : IEndpointFilter
{
    public const string KeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxKeyLength = 255;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(KeyHeader, out var values))
        {
            return await next(context);
        }

        if (values.Count != 1 || values[0] is not { Length: > 0 and <= MaxKeyLength } key || key.Any(c => c is < '!' or > '~'))
        {
            return new DomainError(
                "invalid-idempotency-key",
                $"'{KeyHeader}' must be one value of 1 to {MaxKeyLength} printable ASCII characters without spaces.",
                ErrorKind.Invalid).ToProblem();
        }

        var user = http.User.Username();
        var (claim, kept) = await keys.ClaimAsync(
            user, key, Fingerprint(http.Request.Method, $"{http.Request.Path}{http.Request.QueryString}", context.Arguments), http.RequestAborted);
        switch (claim)
        {
            case IdempotencyClaim.Replay:
                return new KeptResult(kept!);
            case IdempotencyClaim.InFlight:
                return DomainError.Conflict(
                    "idempotency-key-in-flight", $"A request with this {KeyHeader} is still being answered; send it again once it is.").ToProblem();
            case IdempotencyClaim.Mismatch:
                return new DomainError(
                    "idempotency-key-reused", $"This {KeyHeader} was used for another request in the last 24 hours; use a new key.", ErrorKind.Unprocessable)
                    .ToProblem();
        }

        return await AnswerAndKeepAsync(context, next, user, key);
    }

    /// <summary>Runs the endpoint, writes its response into a buffer to keep it, then to the client.</summary>
    private async Task<object?> AnswerAndKeepAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next, string user, string key)
    {
        var http = context.HttpContext;
        for (var i = 0; i < context.Arguments.Count; i++)
        {
            if (context.Arguments[i] is CancellationToken)
            {
                // A request that took effect must be answered and kept, or the client's retry would run it again.
                context.Arguments[i] = CancellationToken.None;
            }
        }

        var client = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            var result = await next(context);
            switch (result)
            {
                case IResult answer:
                    await answer.ExecuteAsync(http);
                    break;
                case not null:
                    await http.Response.WriteAsJsonAsync(result, result.GetType(), http.RequestAborted);
                    break;
            }
        }
        catch
        {
            http.Response.Body = client;
            await keys.ReleaseAsync(user, key, CancellationToken.None);
            throw;
        }

        http.Response.Body = client;
        try
        {
            if (http.Response.StatusCode is >= StatusCodes.Status500InternalServerError or StatusCodes.Status409Conflict or StatusCodes.Status429TooManyRequests)
            {
                await keys.ReleaseAsync(user, key, CancellationToken.None);
            }
            else
            {
                await keys.KeepAsync(
                    user, key, new KeptResponse(http.Response.StatusCode, http.Response.ContentType, http.Response.Headers.Location, buffer.ToArray()),
                    CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The answer is given all the same; the key stays claimed and is taken over after IIdempotencyKeys.InFlightLimit.
            logger.LogWarning(e, "The answer to a request with an Idempotency-Key could not be kept");
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(client, http.RequestAborted);
        return Results.Empty;
    }

    /// <summary>The route and every bound argument that is the request's own (route values, the body), hashed.</summary>
    public static string Fingerprint(string method, string pathAndQuery, IEnumerable<object?> arguments)
    {
        var own = arguments.Where(a => a is string or Guid || a is IRequestBody);
        var text = $"{method} {pathAndQuery}\n{JsonSerializer.Serialize(own.ToList())}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>A kept response, answered again.</summary>
    private sealed class KeptResult(KeptResponse kept) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = kept.StatusCode;
            http.Response.ContentType = kept.ContentType;
            if (kept.Location is not null)
            {
                http.Response.Headers.Location = kept.Location;
            }

            http.Response.Headers[ReplayedHeader] = "true";
            await http.Response.Body.WriteAsync(kept.Body, http.RequestAborted);
        }
    }
}

/// <summary>Marks a route that takes an <c>Idempotency-Key</c> (the OpenAPI document lists the header there).</summary>
public sealed class IdempotentEndpoint;

public static class IdempotentEndpoints
{
    /// <summary>The route takes an <c>Idempotency-Key</c>: <see cref="IdempotencyFilter"/>, and the header in the OpenAPI document.</summary>
    /// <remarks>
    /// The filter is made by hand, not by <c>AddEndpointFilter&lt;T&gt;</c>: its reflection-built factory cost ~25 ms of
    /// every start, before the server answers (issue #20).
    /// </remarks>
    public static RouteHandlerBuilder Idempotent(this RouteHandlerBuilder route) =>
        route.AddEndpointFilterFactory((endpoint, next) =>
        {
            var logger = endpoint.ApplicationServices.GetRequiredService<ILogger<IdempotencyFilter>>();
            return context => new IdempotencyFilter(context.HttpContext.RequestServices.GetRequiredService<IIdempotencyKeys>(), logger)
                .InvokeAsync(context, next);
        }).WithMetadata(new IdempotentEndpoint());
}
