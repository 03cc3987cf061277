using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Api.Errors;

/// <summary>Stable ProblemDetails <c>type</c> values: clients may switch on them.</summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:claude-batch:problem:";

    public static string For(string code) => Prefix + code;

    public static int StatusFor(ErrorKind kind) => kind switch
    {
        ErrorKind.Invalid => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Gone => StatusCodes.Status410Gone,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static string TitleFor(ErrorKind kind) => kind switch
    {
        ErrorKind.Invalid => "The request is invalid.",
        ErrorKind.Unauthorized => "Authentication failed.",
        ErrorKind.Forbidden => "You may not do this.",
        ErrorKind.NotFound => "Not found.",
        ErrorKind.Conflict => "The request conflicts with the current state.",
        ErrorKind.Gone => "It is gone.",
        ErrorKind.TooLarge => "The request is too large.",
        ErrorKind.UnsupportedMediaType => "The content is not of a supported type.",
        ErrorKind.TooManyRequests => "A limit was reached.",
        ErrorKind.Unprocessable => "There is nothing to do.",
        _ => "An unexpected error occurred.",
    };
}
