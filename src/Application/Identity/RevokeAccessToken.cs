using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Identity;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>
/// Revokes one of the caller's access tokens at once: on this server before the answer, on every other within
/// milliseconds (the stored change notifies them). Another user's token, or one already revoked, is not found. A
/// caller who presents an access token (<paramref name="CallerTokenId"/>) may revoke only that one — a token that
/// leaked cannot be used to revoke its owner's others.
/// </summary>
public sealed record RevokeAccessToken(string Username, string TokenId, string? CallerTokenId, AccessTokenRevocationReason Reason)
    : ICommand<Result<RevokeAccessToken.Response>>
{
    public sealed record Response(bool Success, string Message);

    public static readonly DomainError OnlyItself = DomainError.Forbidden(
        "access-token-may-revoke-only-itself",
        "An access token may revoke only itself: sign in with your password (POST /auth/login) to revoke your other tokens.");

    public sealed class Validator : AbstractValidator<RevokeAccessToken>
    {
        public Validator()
        {
            RuleFor(x => x.Username).NotEmpty();
            RuleFor(x => x.TokenId).NotEmpty().MaximumLength(128);
        }
    }

    public sealed class Handler(IEventStore store, IAccessTokens tokens, IAccessTokenCache cache, TimeProvider clock)
        : ICommandHandler<RevokeAccessToken, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(RevokeAccessToken command, CancellationToken cancellationToken)
        {
            var token = await tokens.FindAsync(command.TokenId, cancellationToken);
            if (token is null || token.Username != command.Username || token.RevokedAt is not null)
            {
                return AccessTokenErrors.NotFound(command.TokenId);
            }

            if (command.CallerTokenId is not null && command.CallerTokenId != token.Id)
            {
                return OnlyItself;
            }

            var now = clock.GetUtcNow();
            token.RevokedAt = now;
            tokens.Store(token);
            store.Append(AccountStream.For(command.Username), new AccessTokenRevoked(command.Username, token.Id, command.Reason, now));
            await store.SaveChangesAsync(cancellationToken);
            cache.Revoke(token.Id);
            return new Response(true, $"The access token '{token.Name}' is revoked.");
        }
    }
}
