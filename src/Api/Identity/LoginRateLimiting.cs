using ClaudeBatch.Application.Identity;
using System.Globalization;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// Failed logins are limited per (username, client address), per username and per client address
/// (<see cref="LoginFailureLimiter"/>). The client address is the connection's, or the one a known proxy forwarded
/// (<see cref="KnownProxies"/>). A success or a malformed request (400) gives its place back; everything else counts:
/// a refused password (401), also when its client hung up before the answer (the login records its verdict whatever the
/// client does), and an attempt that ended in an error.
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

        // Fail closed: only a success or a request refused before any password was checked gives its place back. A
        // refused password keeps it, and so does anything that went wrong after a verdict may have been reached (the
        // database unavailable, the client hanging up): otherwise the way an attempt ends would be a free guess.
        var failed = true;
        try
        {
            var result = await next(context);
            failed = result is not IStatusCodeHttpResult { StatusCode: < 300 or StatusCodes.Status400BadRequest };
            return result;
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
