using ClaudeBatch.Application.Identity;
using System.Globalization;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// Failed logins are limited per (username, client address), per username and per client address
/// (<see cref="LoginFailureLimiter"/>). The client address is the connection's, or the one a known proxy forwarded
/// (<see cref="KnownProxies"/>). Only a refused password (401) counts, also when its client hung up before the answer
/// (the login records its verdict whatever the client does), and so does an attempt abandoned before any verdict; a
/// success, a malformed request or an error gives its place back.
/// </summary>
public static class LoginRateLimiting
{
    public static RouteHandlerBuilder WithLoginRateLimit(this RouteHandlerBuilder login) => login.AddEndpointFilter(async (context, next) =>
    {
        var http = context.HttpContext;
        var username = context.Arguments.OfType<LoginRequest>().FirstOrDefault()?.Username ?? "";
        var attempt = http.RequestServices.GetRequiredService<LoginFailureLimiter>()
            .TryBegin(username, LoginFailureLimiter.AddressKey(http.Connection.RemoteIpAddress), out var retryAfter);
        if (attempt is null)
        {
            return TooManyFailures(http, retryAfter);
        }

        var failed = false;
        try
        {
            var result = await next(context);
            failed = result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status401Unauthorized };
            return result;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client hung up before any verdict: the attempt keeps its place, or hanging up would be a free guess.
            failed = true;
            throw;
        }
        finally
        {
            attempt.Settle(failed);
        }
    });

    private static IResult TooManyFailures(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many failed login attempts.",
            detail: $"Try again in {seconds} seconds.",
            type: ProblemTypes.For("too-many-login-attempts"));
    }
}
