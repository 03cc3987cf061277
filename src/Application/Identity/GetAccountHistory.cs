using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Identity;
using Mediator;

namespace ClaudeBatch.Application.Identity;

/// <summary>Replays the account's stream: every login, refused login and revocation, as stored.</summary>
public sealed record GetAccountHistory(string Username) : IQuery<IReadOnlyList<StoredEvent>>
{
    public sealed class Handler(IEventStore store) : IQueryHandler<GetAccountHistory, IReadOnlyList<StoredEvent>>
    {
        public async ValueTask<IReadOnlyList<StoredEvent>> Handle(GetAccountHistory query, CancellationToken cancellationToken) =>
            await store.ReadStreamAsync(AccountStream.For(query.Username), cancellationToken);
    }
}
