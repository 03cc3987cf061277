using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Identity;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>
/// Makes a personal access token for scripts and CI: shown once in the answer, stored only as its hash, audited on the
/// account stream. Only a caller who signed in with a password may (<paramref name="PresentedAccessToken"/> is false):
/// a token that leaked must not be able to mint more, or to outlive its own expiry.
/// </summary>
public sealed record CreateAccessToken(string Username, string? Name, int? ExpiresInDays, bool PresentedAccessToken, string? ClientAddress)
    : ICommand<Result<CreateAccessToken.Response>>
{
    public const int MaxNameLength = 100;

    /// <summary>Tokens one account may hold at once (not revoked, not expired).</summary>
    public const int MaxActivePerUser = 100;

    public static readonly DomainError NotWithAnAccessToken = DomainError.Forbidden(
        "access-token-cannot-create-tokens",
        "An access token cannot create access tokens: sign in with your password (POST /auth/login) and use that token.");

    public sealed record Response(string Id, string Name, string Token, DateTimeOffset Expires)
    {
        // The token is shown once, to its owner, in the response body: never in a log of the response.
        public override string ToString() => $"Response {{ Id = {Id}, Name = {Name}, Expires = {Expires} }}";
    }

    public sealed class Validator : AbstractValidator<CreateAccessToken>
    {
        public Validator(AccessTokenOptions options)
        {
            RuleFor(x => x.Name).Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(MaxNameLength)
                .Must(name => !name!.Any(char.IsControl)).WithMessage("'Name' must not contain control characters.");
            RuleFor(x => x.ExpiresInDays).Cascade(CascadeMode.Stop)
                .NotNull().WithMessage("'ExpiresInDays' is required: every access token expires.")
                .InclusiveBetween(1, options.MaxTokenDays)
                .WithMessage($"'ExpiresInDays' must be between 1 and {options.MaxTokenDays} (Auth:MaxTokenDays).");
        }
    }

    public sealed class Handler(IEventStore store, IAccessTokens tokens, IAccessTokenCache cache, IAccountDirectory accounts, TimeProvider clock)
        : ICommandHandler<CreateAccessToken, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(CreateAccessToken command, CancellationToken cancellationToken)
        {
            if (command.PresentedAccessToken)
            {
                return NotWithAnAccessToken;
            }

            var now = clock.GetUtcNow();
            var active = (await tokens.ListAsync(command.Username, cancellationToken)).Count(t => t.ExpiresAt > now);
            if (active >= MaxActivePerUser)
            {
                return DomainError.Conflict(
                    "access-token-limit", $"You hold {active} access tokens, the most one account may; delete one you no longer use.");
            }

            if (await accounts.FindAsync(command.Username, cancellationToken) is not { } account)
            {
                return DomainError.NotFound("account-not-found", $"The account '{command.Username}' no longer exists.");
            }

            var (token, secret) = AccessToken.Issue(account, command.Name!, command.ExpiresInDays!.Value, now);
            tokens.Store(token);
            store.Append(
                AccountStream.For(command.Username),
                new AccessTokenCreated(command.Username, token.Id, token.Name, command.ClientAddress, now, token.ExpiresAt));
            await store.SaveChangesAsync(cancellationToken);
            cache.Remember(token);
            return new Response(token.Id, token.Name, secret, token.ExpiresAt);
        }
    }
}
