using ClaudeBatch.Application.Common;
using JasperFx;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>One <c>Idempotency-Key</c> of one user: the request it was first sent with and, once answered, the answer.</summary>
public sealed class IdempotentRequest
{
    public string Id { get; set; } = "";

    public string User { get; set; } = "";

    /// <summary>A fingerprint of the request (method, route, arguments), never the request itself.</summary>
    public string Request { get; set; } = "";

    public DateTimeOffset ClaimedAt { get; set; }

    public KeptResponse? Response { get; set; }

    public static string IdFor(string user, string key) => $"{user}\n{key}";
}

/// <summary>
/// Keys as documents: a claim is an insert, which only one request (on any server) wins; the others read what won. A
/// user's expired keys are removed when they claim another.
/// </summary>
internal sealed class MartenIdempotencyKeys(IDocumentStore store, TimeProvider clock) : IIdempotencyKeys
{
    private const int Attempts = 3;

    public async Task<(IdempotencyClaim Claim, KeptResponse? Response)> ClaimAsync(
        string user, string key, string request, CancellationToken cancellationToken)
    {
        var id = IdempotentRequest.IdFor(user, key);
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            await using var session = store.LightweightSession();
            var kept = await session.LoadAsync<IdempotentRequest>(id, cancellationToken);
            if (kept is not null && !Expired(kept, now))
            {
                return kept.Request != request ? (IdempotencyClaim.Mismatch, null)
                    : kept.Response is { } response ? (IdempotencyClaim.Replay, response)
                    : (IdempotencyClaim.InFlight, null);
            }

            var expiredBefore = now - IIdempotencyKeys.Lifetime;
            session.DeleteWhere<IdempotentRequest>(r => r.User == user && r.ClaimedAt < expiredBefore && r.Id != id);
            if (kept is null)
            {
                session.Insert(new IdempotentRequest { Id = id, User = user, Request = request, ClaimedAt = now });
            }
            else
            {
                // Expired, or held too long without an answer: taken over, only if nobody else took it since it was read.
                (kept.Request, kept.ClaimedAt, kept.Response) = (request, now, null);
                session.Update(kept);
            }

            try
            {
                await session.SaveChangesAsync(cancellationToken);
                return (IdempotencyClaim.Claimed, null);
            }
            catch (Exception e) when (e is DocumentAlreadyExistsException or ConcurrencyException && attempt < Attempts)
            {
                // Another request claimed it first: read what it holds.
            }
        }
    }

    public async Task KeepAsync(string user, string key, KeptResponse response, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<IdempotentRequest>(IdempotentRequest.IdFor(user, key), cancellationToken) is { } claimed)
        {
            claimed.Response = response;
            session.Update(claimed);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
            }
            catch (ConcurrencyException)
            {
                // Held so long that another request took the key over: the answer is theirs to keep.
            }
        }
    }

    public async Task ReleaseAsync(string user, string key, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        session.Delete<IdempotentRequest>(IdempotentRequest.IdFor(user, key));
        await session.SaveChangesAsync(cancellationToken);
    }

    private static bool Expired(IdempotentRequest kept, DateTimeOffset now) =>
        kept.ClaimedAt < now - IIdempotencyKeys.Lifetime || (kept.Response is null && kept.ClaimedAt < now - IIdempotencyKeys.InFlightLimit);
}
