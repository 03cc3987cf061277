using System.Collections.Concurrent;
using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Every access token that has not expired, by hash, in memory. Filled by <see cref="AccessTokenListener"/> (a full load
/// once it listens for the database's notifications, every notification, and a periodic reconcile), by this server's
/// own creations and revocations, and by the store look-ups of tokens it did not know. A revocation is never undone: a
/// load or notification that read a token before it was revoked cannot bring it back. It answers only while it is
/// <see cref="IsCurrent"/>; otherwise <see cref="Find"/> says "ask the store". Entries go once their token has expired.
/// </summary>
internal sealed class AccessTokenCache(TimeProvider clock) : IAccessTokenCache
{
    private readonly ConcurrentDictionary<string, AccessTokenGrant> byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> hashById = new(StringComparer.Ordinal);
    private volatile bool current;

    public bool IsCurrent => current;

    public int Count => byHash.Count;

    public AccessTokenGrant? Find(string tokenHash) => current && byHash.TryGetValue(tokenHash, out var grant) ? grant : null;

    public void Remember(AccessToken token) => Add(token.TokenHash, AccessTokenGrant.Of(token));

    /// <summary>Adds or updates a token (an expired one too: its expiry is what a request is refused for, until it is dropped).</summary>
    public void Add(string tokenHash, AccessTokenGrant grant)
    {
        byHash.AddOrUpdate(tokenHash, grant, (_, known) => known.Revoked ? known : grant);
        hashById[grant.TokenId] = tokenHash;
    }

    public void Revoke(string tokenId)
    {
        while (hashById.TryGetValue(tokenId, out var hash) && byHash.TryGetValue(hash, out var known) && !known.Revoked)
        {
            if (byHash.TryUpdate(hash, known with { Revoked = true }, known))
            {
                return;
            }
        }
    }

    /// <summary>Adds what the store holds (a revocation here stays), then answers from memory.</summary>
    public void Load(IEnumerable<(string TokenHash, AccessTokenGrant Grant)> stored)
    {
        foreach (var (hash, grant) in stored)
        {
            Add(hash, grant);
        }

        DropExpired();
        current = true;
    }

    /// <summary>Notifications may be missed from now on: ask the store until the next full load.</summary>
    public void MarkStale() => current = false;

    public void DropExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var (hash, grant) in byHash)
        {
            if (grant.ExpiresAt <= now && byHash.TryRemove(new KeyValuePair<string, AccessTokenGrant>(hash, grant)))
            {
                hashById.TryRemove(new KeyValuePair<string, string>(grant.TokenId, hash));
            }
        }
    }
}
