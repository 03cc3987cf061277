using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using ClaudeBatch.Api.Errors;
using ClaudeBatch.Infrastructure.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace ClaudeBatch.Api.Identity;

/// <summary>
/// Login attempts are limited per username and per client address (fixed windows, no queue). The username comes
/// from the JSON body, which a small middleware peeks at before the limiter runs.
/// </summary>
public static class LoginRateLimiting
{
    public const string LoginPath = "/auth/login";
    private const string UsernameItem = "login-username";
    private const int MaxPeekBytes = 64 * 1024;

    public static IServiceCollection AddLoginRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<AuthOptions>((limiter, auth) =>
        {
            var window = TimeSpan.FromSeconds(auth.LoginRateLimit.WindowSeconds);
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => IsLogin(http)
                    ? RateLimitPartition.GetFixedWindowLimiter(
                        "address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                        _ => Window(auth.LoginRateLimit.PermitLimitPerAddress, window))
                    : RateLimitPartition.GetNoLimiter("")),
                PartitionedRateLimiter.Create<HttpContext, string>(http =>
                    IsLogin(http) && http.Items[UsernameItem] is string username
                        ? RateLimitPartition.GetFixedWindowLimiter(
                            "user:" + username,
                            _ => Window(auth.LoginRateLimit.PermitLimitPerUser, window))
                        : RateLimitPartition.GetNoLimiter("")));
            limiter.OnRejected = WriteTooManyRequests;
        });
        return services;
    }

    /// <summary>Reads the username out of a login body without consuming it.</summary>
    public static IApplicationBuilder UseLoginUsernamePeek(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (IsLogin(http) && http.Request.ContentLength is null or <= MaxPeekBytes)
        {
            http.Request.EnableBuffering(MaxPeekBytes);
            var username = await PeekUsername(http.Request.Body, http.RequestAborted);
            http.Request.Body.Position = 0;
            if (username is not null)
            {
                http.Items[UsernameItem] = username;
            }
        }

        await next(http);
    });

    private static bool IsLogin(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase);

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async Task<string?> PeekUsername(Stream body, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, "username", StringComparison.OrdinalIgnoreCase))
                {
                    return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                }
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a name or value that is not valid UTF-8: no username to limit by; the binder answers 400.
            return null;
        }
    }

    private static async ValueTask WriteTooManyRequests(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        // TryWrite: a client that accepts no JSON gets the status and Retry-After without a problem body, not a 500.
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many login attempts.",
                Detail = $"Try again in {seconds} seconds.",
                Type = ProblemTypes.For("too-many-login-attempts"),
            },
        });
    }
}
