namespace ClaudeBatch.Infrastructure.Impersonation;

/// <summary><c>Impersonation</c>: which OS account a job's processes run as.</summary>
public sealed class ImpersonationOptions
{
    public const string Section = "Impersonation";

    public const string Auto = "auto";
    public const string Setpriv = "setpriv";
    public const string Sudo = "sudo";
    public const string None = "none";

    public static readonly string[] Modes = [Auto, Setpriv, Sudo, None];

    /// <summary>
    /// <c>auto</c> (default): <c>setpriv</c> when the server runs as root, else <c>none</c>. <c>sudo</c>: a non-root
    /// server switching with a sudoers rule. <c>none</c>: jobs run as the server's own user (development).
    /// </summary>
    public string Mode { get; set; } = Auto;

    /// <summary>Accounts with a smaller uid (root, system accounts) never run jobs.</summary>
    public int MinUid { get; set; } = 1000;

    /// <summary>PATH given to a job's processes when they run as their user.</summary>
    public string Path { get; set; } = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The mode in effect: <c>auto</c> resolved for the user the server runs as.</summary>
    public string EffectiveMode => Mode == Auto ? (Environment.IsPrivilegedProcess ? Setpriv : None) : Mode;
}
