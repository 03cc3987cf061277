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
}

/// <summary><c>Auth:LoginRateLimit</c>: fixed windows per username and per client address.</summary>
public sealed class LoginRateLimitOptions
{
    public int PermitLimitPerUser { get; set; } = 10;

    public int PermitLimitPerAddress { get; set; } = 30;

    public int WindowSeconds { get; set; } = 60;
}
