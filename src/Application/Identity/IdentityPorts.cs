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
    IssuedToken Issue(OsAccount account, DateTimeOffset now);
}
