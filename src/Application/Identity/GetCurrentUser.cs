using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>Who the caller is, as the operating system knows them.</summary>
public sealed record GetCurrentUser(string Username, DateTimeOffset Expires) : IQuery<Result<GetCurrentUser.Response>>
{
    public sealed record Response(string User, int Uid, string Home, DateTimeOffset Expires);

    public sealed class Handler(IAccountDirectory accounts) : IQueryHandler<GetCurrentUser, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(GetCurrentUser query, CancellationToken cancellationToken)
        {
            var account = await accounts.FindAsync(query.Username, cancellationToken);
            if (account is null)
            {
                return DomainError.NotFound("account-not-found", $"The account '{query.Username}' no longer exists.");
            }

            return new Response(account.Username, account.Uid, account.Home, query.Expires);
        }
    }
}
