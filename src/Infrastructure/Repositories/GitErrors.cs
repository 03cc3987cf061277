using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using LibGit2Sharp;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// What a failed clone or fetch tells the user — the kind of failure only — and what it tells the log: libgit2's
/// own words and the transport's detail, without credentials (<see cref="GitCredentials.Redact"/>).
/// </summary>
internal static class GitErrors
{
    public static string ForUser(Exception error, GitSource source, GitNetworkSession session) => error switch
    {
        LocalSourceRefusedException refused => GitCredentials.Redact(refused.Message, source),
        _ when session.Failure is { } failure => failure.Describe(),
        RepositoryNotFoundException => GitFailure.NotARepository.Describe(),
        _ when source.Kind == GitSourceKind.Local => "Could not read the repository.",
        _ => GitFailure.Unreachable.Describe(),
    };

    public static string ForLog(Exception error, GitSource source, GitNetworkSession session) =>
        GitCredentials.Redact(session.Detail is { } detail ? $"{error.Message}; {detail}" : error.Message, source);
}
