using System.Collections.Concurrent;
using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// The revoked token ids with their tokens' expiry, in memory. Filled by <see cref="RevocationListener"/> (a full load
/// once it listens for the database's notifications, every notification, and a periodic reconcile) and by this
/// server's own logouts. It answers only while it is <see cref="IsCurrent"/>: from the first full load on, for as long
/// as the notifications flow; otherwise <see cref="IsRevoked"/> says "ask the store". An entry is dropped once its
/// token is refused as expired anyway (its expiry plus the validation's clock skew).
/// </summary>
internal sealed class RevocationList(JwtOptions jwt, TimeProvider clock) : IRevocationList
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> revoked = new(StringComparer.Ordinal);
    private readonly TimeSpan grace = TimeSpan.FromSeconds(Math.Max(0, jwt.ClockSkewSeconds));
    private volatile bool current;

    public bool IsCurrent => current;

    public int Count => revoked.Count;

    public bool? IsRevoked(string tokenId) => current ? revoked.ContainsKey(tokenId) : null;

    public void Add(string tokenId, DateTimeOffset expiresAt)
    {
        if (expiresAt + grace > clock.GetUtcNow())
        {
            revoked.AddOrUpdate(tokenId, expiresAt, (_, known) => known > expiresAt ? known : expiresAt);
        }
    }

    /// <summary>Adds what the store holds (never removes: an entry only goes when it expires), then answers from memory.</summary>
    public void Load(IEnumerable<(string TokenId, DateTimeOffset ExpiresAt)> stored)
    {
        foreach (var (tokenId, expiresAt) in stored)
        {
            Add(tokenId, expiresAt);
        }

        DropExpired();
        current = true;
    }

    /// <summary>Notifications may be missed from now on: ask the store until the next full load.</summary>
    public void MarkStale() => current = false;

    public void DropExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var (tokenId, expiresAt) in revoked)
        {
            if (expiresAt + grace <= now)
            {
                revoked.TryRemove(new KeyValuePair<string, DateTimeOffset>(tokenId, expiresAt));
            }
        }
    }
}
