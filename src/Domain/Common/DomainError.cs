namespace ClaudeBatch.Domain.Common;

/// <summary>What kind of refusal an error is; the API maps each kind to one HTTP status.</summary>
public enum ErrorKind
{
    Invalid,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    TooLarge,
    UnsupportedMediaType,
    TooManyRequests,

    /// <summary>Well-formed and allowed, but there is nothing to act on (422).</summary>
    Unprocessable,
}

/// <summary>
/// A refusal the caller can act on. <see cref="Code"/> is stable (it becomes the ProblemDetails <c>type</c>),
/// <see cref="Message"/> is for people.
/// </summary>
public sealed record DomainError(string Code, string Message, ErrorKind Kind)
{
    public static DomainError NotFound(string code, string message) => new(code, message, ErrorKind.NotFound);
    public static DomainError Conflict(string code, string message) => new(code, message, ErrorKind.Conflict);
    public static DomainError Forbidden(string code, string message) => new(code, message, ErrorKind.Forbidden);
    public static DomainError Invalid(string code, string message) => new(code, message, ErrorKind.Invalid);
    public static DomainError Unauthorized(string code, string message) => new(code, message, ErrorKind.Unauthorized);
}
