namespace ClaudeBatch.Application.Repositories;

/// <summary>
/// What kind of failure a clone or pull met — all a user is told. The details (addresses, ports, the server's own
/// words) go to the log only: shown to users they would make the server a port scanner of its own networks.
/// </summary>
public enum GitFailure
{
    Unreachable,
    AuthenticationFailed,
    NotARepository,
    Redirected,
    PrivateNetwork,
}

public static class GitFailures
{
    public const string PrivateNetworkMessage =
        "'gitUrl' leads to a loopback, private, link-local or metadata address; such sources are refused unless Repositories:AllowPrivateNetworks is true.";

    public static string Describe(this GitFailure failure) => failure switch
    {
        GitFailure.AuthenticationFailed => "Authentication failed.",
        GitFailure.NotARepository => "Not a git repository.",
        GitFailure.Redirected => "The repository answered with a redirect; redirects are not followed.",
        GitFailure.PrivateNetwork => PrivateNetworkMessage,
        _ => "Could not reach the repository.",
    };
}
