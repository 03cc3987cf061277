using FluentValidation;

namespace ClaudeBatch.Application.Repositories;

/// <summary>A repository name is also a folder name: it can never be <c>.</c>, <c>..</c> or contain a separator.</summary>
public static class RepositoryName
{
    /// <summary>Anchored with <c>\z</c>: .NET's <c>$</c> also matches before a final newline ("x\n" would pass).</summary>
    public const string Pattern = @"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z";

    public static IRuleBuilderOptions<T, string> MustBeARepositoryName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .Matches(Pattern)
            .WithMessage("'{PropertyName}' must be 1-100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit.");
}
