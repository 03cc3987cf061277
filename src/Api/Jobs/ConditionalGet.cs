using Microsoft.Net.Http.Headers;

namespace ClaudeBatch.Api.Jobs;

/// <summary>
/// Conditional GET for the reads pollers repeat (RFC 9110 §8.8.3, §13.1.2): a strong ETag on the answer, and 304 with
/// no body when <c>If-None-Match</c> names it — one of a list, weak or strong alike, or <c>*</c>. A header that does
/// not parse is ignored. Clients always revalidate (<c>private, no-cache</c>).
/// </summary>
internal static class ConditionalGet
{
    public const string CacheControl = "private, no-cache";

    public static EntityTagHeaderValue Tag(string opaque) => new($"\"{opaque}\"");

    /// <summary>Whether the request's <c>If-None-Match</c> matches <paramref name="current"/>, by the weak comparison.</summary>
    public static bool Matches(HttpRequest request, EntityTagHeaderValue current) =>
        request.GetTypedHeaders().IfNoneMatch.Any(condition =>
            condition.Equals(EntityTagHeaderValue.Any) || condition.Compare(current, useStrongComparison: false));

    public static IResult NotModified(HttpContext http, EntityTagHeaderValue tag)
    {
        Stamp(http, tag);
        return TypedResults.StatusCode(StatusCodes.Status304NotModified);
    }

    public static IResult Tagged(HttpContext http, EntityTagHeaderValue tag, IResult result)
    {
        Stamp(http, tag);
        return result;
    }

    private static void Stamp(HttpContext http, EntityTagHeaderValue tag)
    {
        http.Response.Headers.ETag = tag.ToString();
        http.Response.Headers.CacheControl = CacheControl;
    }
}
