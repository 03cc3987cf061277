namespace ClaudeBatch.Application.Identity;

/// <summary>The outcome of checking a password against the account database. Only <see cref="Verified"/> logs in.</summary>
public enum PasswordVerdict
{
    Verified,
    UnknownUser,
    WrongPassword,
    Locked,
    PrecomputedHashRefused,
}

/// <summary>Checks a password the way the operating system would.</summary>
public interface IPasswordVerifier
{
    ValueTask<PasswordVerdict> VerifyAsync(string username, string password, CancellationToken cancellationToken);
}

/// <summary>An operating-system account: the identity a job runs under.</summary>
public sealed record OsAccount(string Username, int Uid, int Gid, string Home);

public interface IAccountDirectory
{
    ValueTask<OsAccount?> FindAsync(string username, CancellationToken cancellationToken);

    /// <summary>Whether the user belongs to <c>Auth:AdminGroup</c> (as a listed member or by primary group).</summary>
    ValueTask<bool> IsAdministratorAsync(string username, CancellationToken cancellationToken);
}

public sealed record IssuedToken(string Token, string TokenId, DateTimeOffset ExpiresAt);

public interface ITokenIssuer
{
    /// <summary>
    /// The claim holding the uid of the account a login token was issued to: an account removed and made again under
    /// the same name (another uid) is another person, and the old account's tokens are not theirs.
    /// </summary>
    public const string UidClaim = "uid";

    IssuedToken Issue(OsAccount account, DateTimeOffset now);
}

/// <summary>Whether an account may still act, as the shadow and passwd files say now.</summary>
public enum AccountState
{
    Usable,

    /// <summary>The shadow hash starts with <c>!</c> or <c>*</c> (<c>passwd -l</c>, <c>usermod -L</c>), or is empty.</summary>
    Locked,

    /// <summary>The shadow account expiration date (field 8, days since the epoch) has passed.</summary>
    Expired,

    /// <summary>No longer in the shadow file or in the passwd file.</summary>
    Gone,
}

/// <summary>
/// The state of every account, read from the shadow and passwd files without a file parse per question: tokens and
/// queued jobs of a locked, expired or removed account stop working.
/// </summary>
public interface IAccountStates
{
    /// <summary>For every request: at most a few seconds old, and a refusal is always confirmed against the files.</summary>
    AccountState Recent(string username);

    /// <summary>
    /// As <see cref="Recent(string)"/>, for a credential made for the account with <paramref name="uid"/>: an account
    /// removed and made again under the same name (another uid) is another person's, so the credential's is gone.
    /// </summary>
    AccountState Recent(string username, int uid);

    /// <summary>
    /// For a job about to start: as the files are now. With <paramref name="uid"/>, the account under the name must still
    /// be that one (as for <see cref="Recent(string, int)"/>).
    /// </summary>
    AccountState Current(string username, int? uid);
}

public static class AccountStates
{
    /// <summary>Why an account that is not <see cref="AccountState.Usable"/> is refused, in words its owner may read.</summary>
    public static string Refusal(this AccountState state, string username) => state switch
    {
        AccountState.Locked => $"The account '{username}' is locked.",
        AccountState.Expired => $"The account '{username}' has expired.",
        AccountState.Gone => $"The account '{username}' no longer exists.",
        _ => $"The account '{username}' can be used.",
    };
}

/// <summary>
/// The revoked token ids, kept in memory and current across servers, so a request's revocation check costs no database
/// round trip.
/// </summary>
public interface IRevocationList
{
    /// <summary>Whether the token id is revoked; <c>null</c> while the list is not known to be current (ask the store).</summary>
    bool? IsRevoked(string tokenId);

    /// <summary>This server's own logout, once stored: holds here at once, before any notification.</summary>
    void Add(string tokenId, DateTimeOffset expiresAt);
}
