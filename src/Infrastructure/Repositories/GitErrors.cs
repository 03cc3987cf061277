using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using LibGit2Sharp;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// What a failed clone or fetch tells the user — the kind of failure only — and what it tells the log: libgit2's
/// own words and the transport's detail, without the source's credentials.
/// </summary>
internal static class GitErrors
{
    public static string ForUser(Exception error, GitSource source, GitNetworkSession session) => error switch
    {
        LocalSourceRefusedException refused => refused.Message,
        _ when session.Failure is { } failure => failure.Describe(),
        RepositoryNotFoundException => GitFailure.NotARepository.Describe(),
        _ when source.Kind == GitSourceKind.Local => "Could not read the repository.",
        _ => GitFailure.Unreachable.Describe(),
    };

    public static string ForLog(Exception error, GitSource source, GitNetworkSession session) =>
        Redact(session.Detail is { } detail ? $"{error.Message}; {detail}" : error.Message, source);

    private static string Redact(string message, GitSource source)
    {
        foreach (var secret in new[] { source.Password, source.HasCredentials ? source.Username : null })
        {
            if (!string.IsNullOrEmpty(secret))
            {
                message = message.Replace(secret, "***", StringComparison.Ordinal)
                    .Replace(Uri.EscapeDataString(secret), "***", StringComparison.Ordinal);
            }
        }

        return message;
    }
}
