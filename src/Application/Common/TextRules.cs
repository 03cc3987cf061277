using FluentValidation;

namespace ClaudeBatch.Application.Common;

public static class TextRules
{
    /// <summary>
    /// Free text that is kept in an event. Events are JSON documents in PostgreSQL, whose jsonb cannot hold a NUL
    /// character (<c>\u0000</c>): refused here it is a 400 naming the field, not a failed insert and a 500.
    /// </summary>
    public static IRuleBuilderOptions<T, string> MustNotContainNul<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(text => text is null || !text.Contains('\0'))
            .WithMessage("'{PropertyName}' must not contain NUL characters.");
}
