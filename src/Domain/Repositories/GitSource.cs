using System.Text.RegularExpressions;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Domain.Repositories;

public enum GitSourceKind
{
    Remote,
    Local,
}

/// <summary>
/// Where a repository is cloned from, split into a URL safe to show and store (<see cref="Url"/>) and the
/// credentials that were embedded in it, which are for cloning only.
/// </summary>
public sealed partial record GitSource(string Url, GitSourceKind Kind, string? Username, string? Password)
{
    public bool HasCredentials => Password is not null || (IsHttp && Username is not null);

    private bool IsHttp => Url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// For remote sources: the host to connect to, as a resolver takes it (IPv6 without brackets, IDN as punycode);
    /// null for local sources.
    /// </summary>
    public string? Host => Kind == GitSourceKind.Local ? null
        : ScpLike().IsMatch(Url) ? Url[(Url.IndexOf('@') + 1)..Url.IndexOf(':', StringComparison.Ordinal)]
        : new Uri(Url).IdnHost;

    /// <summary>For local sources: the path to clone from.</summary>
    public string LocalPath => Kind == GitSourceKind.Local ? Url : throw new InvalidOperationException("Not a local source.");

    public static Result<GitSource> Parse(string input)
    {
        var text = input.Trim();
        if (text.Length == 0 || text.Any(char.IsControl))
        {
            return Invalid("must not be empty or contain control characters");
        }

        if (ScpLike().IsMatch(text))
        {
            return new GitSource(text, GitSourceKind.Remote, null, null);
        }

        if (text.StartsWith('/'))
        {
            return new GitSource(text, GitSourceKind.Local, null, null);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return Invalid("must be an https://, http://, ssh:// or git@host:path URL");
        }

        switch (uri.Scheme)
        {
            case "file":
                // %00 and other escapes decode here: the path itself must be as clean as the text was.
                return uri.LocalPath.Any(char.IsControl)
                    ? Invalid("must not be empty or contain control characters")
                    : new GitSource(uri.LocalPath, GitSourceKind.Local, null, null);
            case "http" or "https":
                var (user, password) = SplitUserInfo(uri.UserInfo);
                return new GitSource(WithoutUserInfo(uri, keepUser: null), GitSourceKind.Remote, user, password);
            case "ssh":
                var (sshUser, sshPassword) = SplitUserInfo(uri.UserInfo);
                return new GitSource(WithoutUserInfo(uri, keepUser: sshUser), GitSourceKind.Remote, sshUser, sshPassword);
            default:
                return Invalid("must be an https://, http://, ssh:// or git@host:path URL");
        }
    }

    private static (string? User, string? Password) SplitUserInfo(string userInfo)
    {
        if (userInfo.Length == 0)
        {
            return (null, null);
        }

        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (Uri.UnescapeDataString(userInfo), null)
            : (Uri.UnescapeDataString(userInfo[..colon]), Uri.UnescapeDataString(userInfo[(colon + 1)..]));
    }

    private static string WithoutUserInfo(Uri uri, string? keepUser)
    {
        var port = uri.IsDefaultPort ? "" : $":{uri.Port}";
        var user = keepUser is null ? "" : Uri.EscapeDataString(keepUser) + "@";
        return $"{uri.Scheme}://{user}{uri.Host}{port}{uri.PathAndQuery}";
    }

    private static DomainError Invalid(string why) => DomainError.Invalid("invalid-git-url", $"'gitUrl' {why}.");

    [GeneratedRegex(@"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s:][^\s]*\z")]
    private static partial Regex ScpLike();
}
