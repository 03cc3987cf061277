using FluentValidation;

namespace ClaudeBatch.Application.Identity;

/// <summary>The shape of an OS account name we accept: what useradd accepts, nothing a shell or a path could misread.</summary>
public static class Username
{
    public const int MaxLength = 32;

    /// <summary>Anchored with <c>\z</c>: .NET's <c>$</c> also matches before a final newline.</summary>
    public const string Pattern = @"^[A-Za-z_][A-Za-z0-9_.-]{0,31}\z";

    public static IRuleBuilderOptions<T, string> MustBeAUsername<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .MaximumLength(MaxLength)
            .Matches(Pattern)
            .WithMessage("'{PropertyName}' must be an account name: letters, digits, '_', '.', '-', starting with a letter or '_'.");
}
