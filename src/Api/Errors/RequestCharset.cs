using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ClaudeBatch.Api.Errors;

/// <summary>
/// A request body in a charset .NET cannot decode (<c>Content-Type: application/json; charset=bogus</c>) is a 415
/// problem. Left to the JSON binder it would be an InvalidOperationException, and so an unexpected 500.
/// </summary>
public static class RequestCharset
{
    public static IApplicationBuilder UseKnownRequestCharsets(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.Charset.HasValue && !IsKnown(type.Charset.Value!))
        {
            // A client that accepts no JSON gets the status alone (the status code pages write it in plain text).
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = ProblemTypes.TitleFor(Domain.Common.ErrorKind.UnsupportedMediaType),
                    Detail = "The request's charset is not one the server can read; send UTF-8.",
                    Type = ProblemTypes.For("unsupported-charset"),
                },
            });
            return;
        }

        await next(http);
    });

    // The same lookup the JSON binder makes (Encoding.GetEncoding on the charset as written).
    private static bool IsKnown(string charset)
    {
        try
        {
            _ = Encoding.GetEncoding(charset);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return false;
        }
    }
}
