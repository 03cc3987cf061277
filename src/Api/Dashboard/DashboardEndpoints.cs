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

    /// <summary>Adds the security headers to the dashboard's HTML, at every URL it answers at (<see cref="IsPage"/>).</summary>
    public static IApplicationBuilder UseDashboardHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (IsPage(context.Request.Path))
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
    /// index.html at <c>/</c> and by name, and the variants <c>MapStaticAssets</c> serves of it too: compressed
    /// (<c>index.html.gz</c>, <c>.br</c>, served as text/html) and fingerprinted (<c>index.{hash}.html</c>, and compressed).
    /// </summary>
    public static bool IsPage(PathString path) =>
        path == "/" || (path.Value is { } value && value.StartsWith("/index.", StringComparison.OrdinalIgnoreCase)
                                               && value.Contains(".html", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Finds the dashboard's files where a build left them too (its static web assets manifest, next to the
    /// assembly); a published server has them in its wwwroot and no manifest, and then this changes nothing.
    /// </summary>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseStaticWebAssets();
        return builder;
    }

    /// <summary>
    /// Maps the dashboard's files, and <c>/</c> to its index.html with the stylesheet and the entry script under their
    /// fingerprinted names (cached for a year, immutable); index.html itself is revalidated on every visit.
    /// </summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapStaticAssets().AllowAnonymous().ExcludeFromDescription();
        var index = new Lazy<string?>(() => IndexHtml(endpoints.ServiceProvider.GetRequiredService<IWebHostEnvironment>()));
        endpoints.MapGet("/", (HttpContext context) =>
        {
            if (index.Value is not { } html)
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "no-cache";
            return Results.Text(html, "text/html; charset=utf-8");
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static string? IndexHtml(IWebHostEnvironment environment)
    {
        var file = environment.WebRootFileProvider.GetFileInfo("index.html");
        if (!file.Exists)
        {
            return null;
        }

        using var reader = new StreamReader(file.CreateReadStream());
        var html = reader.ReadToEnd();
        // The build's (or the publish's) endpoint manifest names each file's fingerprinted route.
        var manifest = Path.Combine(AppContext.BaseDirectory, $"{environment.ApplicationName}.staticwebassets.endpoints.json");
        if (!File.Exists(manifest))
        {
            return html;
        }

        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
        foreach (var endpoint in document.RootElement.GetProperty("Endpoints").EnumerateArray())
        {
            var properties = endpoint.GetProperty("EndpointProperties").EnumerateArray()
                .ToDictionary(p => p.GetProperty("Name").GetString()!, p => p.GetProperty("Value").GetString());
            if (properties.TryGetValue("label", out var label) && label is "app.js" or "app.css" &&
                properties.ContainsKey("fingerprint") && endpoint.GetProperty("Selectors").GetArrayLength() == 0)
            {
                html = html.Replace($"\"{label}\"", $"\"{endpoint.GetProperty("Route").GetString()}\"", StringComparison.Ordinal);
            }
        }

        return html;
    }
}
