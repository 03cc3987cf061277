using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Api.Errors;

/// <summary>Turns a use case's <see cref="Result{T}"/> into HTTP: the value through <paramref name="onSuccess"/>, an error as ProblemDetails.</summary>
public static class ResultHttpExtensions
{
    public static IResult ToHttp<T>(this Result<T> result, Func<T, IResult> onSuccess) =>
        result.IsSuccess ? onSuccess(result.Value) : result.Error.ToProblem();

    public static IResult ToProblem(this DomainError error) =>
        TypedResults.Problem(
            statusCode: ProblemTypes.StatusFor(error.Kind),
            title: ProblemTypes.TitleFor(error.Kind),
            detail: error.Message,
            type: ProblemTypes.For(error.Code));
}
