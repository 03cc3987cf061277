namespace ClaudeBatch.Api.Dashboard;

/// <summary>
/// The web dashboard (wwwroot): static files served with <c>MapStaticAssets</c> (ETags, compressed variants, and
/// fingerprinted long-cache URLs made at build time), <c>/</c> answered with index.html, and a strict
/// Content-Security-Policy on its HTML. It uses the public HTTP API only; its own routes are in the URL fragment
/// (<c>/#/jobs/…</c>), so it never shadows an API route, and unknown paths keep their 404 ProblemDetails.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Only this origin's scripts, styles and connections; no inline code, no framing, no plugins.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Adds the security headers to the dashboard's HTML (index.html, at <c>/</c> and by name).</summary>
    public static IApplicationBuilder UseDashboardHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var path = context.Request.Path;
        if (path == "/" || path.Equals("/index.html", StringComparison.OrdinalIgnoreCase))
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
        }

        return next(context);
    });

    /// <summary>
    /// Finds the dashboard's files where a build left them too (its static web assets manifest, next to the
    /// assembly); a published server has them in its wwwroot and no manifest, and then this changes nothing.
    /// </summary>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseStaticWebAssets();
        return builder;
    }

    /// <summary>Maps the dashboard's files, and <c>/</c> to its index.html.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapStaticAssets().AllowAnonymous();
        endpoints.MapGet("/", (IWebHostEnvironment environment, HttpContext context) =>
        {
            var index = environment.WebRootFileProvider.GetFileInfo("index.html");
            if (!index.Exists)
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "no-cache";
            return Results.Stream(index.CreateReadStream(), "text/html; charset=utf-8", lastModified: index.LastModified);
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }
}
