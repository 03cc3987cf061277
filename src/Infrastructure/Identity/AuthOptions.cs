namespace ClaudeBatch.Infrastructure.Identity;

/// <summary><c>Auth</c>: where accounts come from and how logins are limited.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    public string ShadowFilePath { get; set; } = "/etc/shadow";

    public string PasswdFilePath { get; set; } = "/etc/passwd";

    public string GroupFilePath { get; set; } = "/etc/group";

    /// <summary>Accept the stored hash itself as the password (pass-the-hash). Off by default: see README.</summary>
    public bool AllowPrecomputedHash { get; set; }

    public string AdminGroup { get; set; } = "claude-batch-admins";

    public LoginRateLimitOptions LoginRateLimit { get; set; } = new();

    /// <summary>
    /// How often the in-memory revocation list is read again from the database, in case a notification was missed
    /// (they normally arrive within milliseconds).
    /// </summary>
    public int RevocationReconcileSeconds { get; set; } = 30;
}

/// <summary>
/// <c>Auth:LoginRateLimit</c>: failed logins allowed per fixed window, per (username, client address), per username and
/// per client address. Logins that succeed do not count.
/// </summary>
public sealed class LoginRateLimitOptions
{
    /// <summary>Failures for one username from one client address: a stranger's guesses lock out only the stranger.</summary>
    public int FailuresPerUserAndAddress { get; set; } = 10;

    /// <summary>Failures for one username from all addresses together: the ceiling on a guess spread over many addresses.</summary>
    public int FailuresPerUser { get; set; } = 100;

    /// <summary>Failures from one client address, whatever the usernames: the ceiling on password spraying.</summary>
    public int FailuresPerAddress { get; set; } = 30;

    public int WindowSeconds { get; set; } = 60;

    /// <summary>Replaced (it counted every attempt); set, it stops the server with a message naming its successors.</summary>
    public int? PermitLimitPerUser { get; set; }

    /// <summary>Replaced by <see cref="FailuresPerAddress"/>; set, it stops the server.</summary>
    public int? PermitLimitPerAddress { get; set; }
}
