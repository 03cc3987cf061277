using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Identity;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>Revokes the presented token until its own expiry; the revocation is an event, projected to <see cref="RevokedToken"/>.</summary>
public sealed record Logout(string Username, string TokenId, DateTimeOffset ExpiresAt) : ICommand<Logout.Response>
{
    public sealed record Response(bool Success, string Message);

    public sealed class Validator : AbstractValidator<Logout>
    {
        public Validator()
        {
            RuleFor(x => x.Username).NotEmpty();
            RuleFor(x => x.TokenId).NotEmpty().MaximumLength(128);
        }
    }

    public sealed class Handler(IEventStore store, IRevocationList revocations, TimeProvider clock) : ICommandHandler<Logout, Response>
    {
        public async ValueTask<Response> Handle(Logout command, CancellationToken cancellationToken)
        {
            store.Append(
                AccountStream.For(command.Username),
                new TokenRevoked(command.Username, command.TokenId, clock.GetUtcNow(), command.ExpiresAt));
            await store.SaveChangesAsync(cancellationToken);
            // The other servers hear of it from the database (a notification sent with the commit).
            revocations.Add(command.TokenId, command.ExpiresAt);
            return new Response(true, "Logged out; the token is revoked.");
        }
    }
}
