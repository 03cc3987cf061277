using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Identity;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>Logs an OS account in: verifies the password in-process, issues a token, records the attempt.</summary>
public sealed record Login(string Username, string Password, string? ClientAddress) : ICommand<Result<Login.Response>>
{
    public const int MaxPasswordLength = 1024;

    public sealed record Response(string Token, string User, DateTimeOffset Expires);

    public static readonly DomainError InvalidCredentials =
        DomainError.Unauthorized("invalid-credentials", "Invalid username or password.");

    // The password never appears in ToString(), so it cannot leak through a log of the command.
    public override string ToString() => $"Login {{ Username = {Username}, ClientAddress = {ClientAddress} }}";

    public sealed class Validator : AbstractValidator<Login>
    {
        public Validator()
        {
            RuleFor(x => x.Username).MustBeAUsername();
            RuleFor(x => x.Password)
                .NotEmpty()
                .MaximumLength(MaxPasswordLength)
                .Must(p => !p.Contains('\0')).WithMessage("'Password' must not contain NUL characters.");
        }
    }

    public sealed class Handler(
        IPasswordVerifier verifier,
        IAccountDirectory accounts,
        ITokenIssuer tokens,
        IEventStore store,
        TimeProvider clock) : ICommandHandler<Login, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(Login command, CancellationToken cancellationToken)
        {
            var now = clock.GetUtcNow();
            var stream = AccountStream.For(command.Username);
            var verdict = await verifier.VerifyAsync(command.Username, command.Password, cancellationToken);

            // Once the password has been checked, the attempt is recorded whatever its client does: one that hangs up
            // before the answer must not take its guess out of the account's history (and the login limit).
            var account = verdict == PasswordVerdict.Verified
                ? await accounts.FindAsync(command.Username, CancellationToken.None)
                : null;

            if (account is null)
            {
                store.Append(stream, new LoginFailed(command.Username, ReasonFor(verdict), command.ClientAddress, now));
                await store.SaveChangesAsync(CancellationToken.None);
                return InvalidCredentials;
            }

            var token = tokens.Issue(account, now);
            store.Append(stream, new UserLoggedIn(account.Username, token.TokenId, command.ClientAddress, now, token.ExpiresAt));
            await store.SaveChangesAsync(CancellationToken.None);
            return new Response(token.Token, account.Username, token.ExpiresAt);
        }

        private static LoginFailureReason ReasonFor(PasswordVerdict verdict) => verdict switch
        {
            PasswordVerdict.UnknownUser => LoginFailureReason.UnknownUser,
            PasswordVerdict.WrongPassword => LoginFailureReason.WrongPassword,
            PasswordVerdict.Locked => LoginFailureReason.AccountLocked,
            PasswordVerdict.PrecomputedHashRefused => LoginFailureReason.PrecomputedHashRefused,
            _ => LoginFailureReason.NoOsAccount,
        };
    }
}
