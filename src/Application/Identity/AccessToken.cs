using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Application.Identity;

/// <summary>
/// A personal access token as stored: the credential itself (only its hash), whose it is, and until when. Written with
/// the account stream's <c>AccessTokenCreated</c>/<c>AccessTokenRevoked</c> in one transaction; the events are the
/// audit (without the hash), this document is what a request is checked against (through the in-memory
/// <see cref="IAccessTokenCache"/>). A revoked token keeps its document, marked, until it would have expired.
/// </summary>
public sealed class AccessToken
{
    public string Id { get; set; } = "";

    public string Username { get; set; } = "";

    /// <summary>
    /// The account's uid when the token was made: the same name with another uid later is another account, which the
    /// token does not open.
    /// </summary>
    public int Uid { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The lower-case hex SHA-256 of the token (<see cref="Domain.Identity.AccessTokenSecret.HashOf"/>).</summary>
    public string TokenHash { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When a request last used it, to within about a minute (not written on every request).</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>A new token for <paramref name="account"/>: the document to store, and the token to show once.</summary>
    public static (AccessToken Token, string Secret) Issue(OsAccount account, string name, int expiresInDays, DateTimeOffset now)
    {
        var secret = Domain.Identity.AccessTokenSecret.New();
        var token = new AccessToken
        {
            Id = Guid.NewGuid().ToString("N"),
            Username = account.Username,
            Uid = account.Uid,
            Name = name,
            TokenHash = Domain.Identity.AccessTokenSecret.HashOf(secret),
            CreatedAt = now,
            // Whole seconds, as a login token's expiry.
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(now.AddDays(expiresInDays).ToUnixTimeSeconds()),
        };
        return (token, secret);
    }

    // The hash is not the token, but it is what a request is matched against: never printed.
    public override string ToString() => $"AccessToken {{ Id = {Id}, Username = {Username}, Name = {Name} }}";
}

/// <summary>What a request presenting an access token acts as, as far as this server knows.</summary>
public sealed record AccessTokenGrant(string TokenId, string Username, int Uid, DateTimeOffset ExpiresAt, bool Revoked)
{
    public static AccessTokenGrant Of(AccessToken token) => new(token.Id, token.Username, token.Uid, token.ExpiresAt, token.RevokedAt is not null);
}

/// <summary>The stored access tokens.</summary>
public interface IAccessTokens
{
    /// <summary>Inserts or replaces <paramref name="token"/> in the unit of work that <c>IEventStore.SaveChangesAsync</c> commits.</summary>
    void Store(AccessToken token);

    Task<AccessToken?> FindAsync(string tokenId, CancellationToken cancellationToken);

    Task<AccessToken?> FindByHashAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>The user's tokens that are not revoked (expired ones too), newest first.</summary>
    Task<IReadOnlyList<AccessToken>> ListAsync(string username, CancellationToken cancellationToken);
}

/// <summary>
/// The access tokens in memory, kept current across servers, so a request presenting one costs no database round trip.
/// </summary>
public interface IAccessTokenCache
{
    /// <summary>The token with this hash; <c>null</c> when it is not known here or the cache is not current (ask the store).</summary>
    AccessTokenGrant? Find(string tokenHash);

    /// <summary>A token as read from the store or just stored by this server.</summary>
    void Remember(AccessToken token);

    /// <summary>This server's own revocation, once stored: holds here at once, before any notification.</summary>
    void Revoke(string tokenId);
}

/// <summary>Records that a token was used, for <c>lastUsed</c>: at most about once a minute per token, never on the request's path.</summary>
public interface IAccessTokenUse
{
    void Record(string tokenId, DateTimeOffset at);
}

/// <summary><c>Auth:MaxTokenDays</c>: the longest an access token may be made for.</summary>
public sealed class AccessTokenOptions
{
    public const string Section = "Auth";

    public int MaxTokenDays { get; set; } = 90;
}

public static class AccessTokenErrors
{
    public static DomainError NotFound(string tokenId) =>
        DomainError.NotFound("access-token-not-found", $"There is no access token '{tokenId}' of yours.");
}
