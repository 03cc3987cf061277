using System.Text.RegularExpressions;
using ClaudeBatch.Domain.Repositories;
using LibGit2Sharp;
using LibGit2Sharp.Handlers;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// A source's credentials, for cloning and pulling alike: handed to libgit2's credential callback only (never written
/// to <c>.git/config</c>), and kept out of any text that is logged or returned — the source's own user name and
/// password (as written and URL-escaped), the user information of any URL (<c>https://user:password@host</c>), token
/// parameters of a query string and authorization header values.
/// </summary>
internal static partial class GitCredentials
{
    private const string Hidden = "***";

    /// <summary>The credential callback for <paramref name="source"/>; null when it has no credentials.</summary>
    public static CredentialsHandler? Provider(GitSource source) => source.HasCredentials
        ? (_, _, _) => new UsernamePasswordCredentials { Username = source.Username ?? "", Password = source.Password ?? "" }
        : null;

    public static string Redact(string text, GitSource source)
    {
        foreach (var secret in new[] { source.Password, source.HasCredentials ? source.Username : null })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, Hidden, StringComparison.Ordinal)
                    .Replace(Uri.EscapeDataString(secret), Hidden, StringComparison.Ordinal);
            }
        }

        text = UserInfo().Replace(text, $"$1{Hidden}@");
        text = TokenParameter().Replace(text, $"$1={Hidden}");
        return Authorization().Replace(text, $"$1 {Hidden}");
    }

    /// <summary>The user information of a URL: after <c>scheme://</c>, up to its <c>@</c>.</summary>
    [GeneratedRegex(@"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@?#]+@")]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"([?&](?:access_token|private_token|token|password|passwd|key|secret|sig|signature))=[^&#\s]+", RegexOptions.IgnoreCase)]
    private static partial Regex TokenParameter();

    [GeneratedRegex(@"(\b(?:Basic|Bearer|token))\s+[A-Za-z0-9._~+/=-]{8,}", RegexOptions.IgnoreCase)]
    private static partial Regex Authorization();
}
