using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Repositories;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Fast-forwards a master clone with LibGit2Sharp: fetch from origin, then move the branch only if no merge is needed.
/// Origin is checked first as a new clone's source would be, since it may have changed since the clone: a name may
/// now resolve into a private network, a local source may now borrow objects from outside the allowed roots.
/// </summary>
internal sealed class LibGit2Client(RepositoriesOptions repositories, IHostResolver hosts, ILogger<LibGit2Client> logger) : IGitClient
{
    public async Task<PullOutcome> FastForwardAsync(string repositoryPath, GitSource source, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(repositoryPath) || LibGit2Sharp.Repository.Discover(repositoryPath) is not { } gitDir
            || Path.GetFullPath(Path.Combine(gitDir, "..")).TrimEnd('/') != Path.GetFullPath(repositoryPath).TrimEnd('/'))
        {
            return new PullOutcome(PullStatus.NotGitRepo, null, false, null);
        }

        using var session = new GitNetworkSession(repositories.AllowPrivateNetworks, hosts, cancellationToken);
        try
        {
            if (await RefusalOfOriginAsync(repositoryPath, repositories, hosts, cancellationToken) is { } refusal)
            {
                var refused = GitCredentials.Redact(refusal, source);
                logger.LogWarning("Pull of {Repository} refused: {Reason}", repositoryPath, refused);
                return new PullOutcome(PullStatus.Failed, null, false, refused);
            }

            return await Task.Run(() => session.Run(() => FastForward(repositoryPath, source, cancellationToken)), cancellationToken);
        }
        catch (Exception e) when (e is LibGit2SharpException or LocalSourceRefusedException or IOException or UnauthorizedAccessException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reason = GitErrors.ForUser(e, source, session);
            logger.LogWarning("Pull of {Repository} failed: {Reason} ({Detail})", repositoryPath, reason, GitErrors.ForLog(e, source, session));
            return new PullOutcome(PullStatus.Failed, null, false, reason);
        }
    }

    /// <summary>Why origin (what a fetch or push would really reach) may not be reached now; null when it may.</summary>
    internal static async Task<string?> RefusalOfOriginAsync(
        string path, RepositoriesOptions repositories, IHostResolver hosts, CancellationToken cancellationToken)
    {
        string? origin;
        using (var repository = new LibGit2Sharp.Repository(path))
        {
            origin = repository.Network.Remotes["origin"]?.Url;
        }

        if (origin is null)
        {
            return null;
        }

        var parsed = GitSource.Parse(origin);
        if (!parsed.IsSuccess)
        {
            return GitFailure.Unreachable.Describe();
        }

        if (parsed.Value.Kind == GitSourceKind.Local)
        {
            LocalSources.Resolve(parsed.Value.LocalPath, repositories);
            return null;
        }

        return (await PrivateNetworks.RefusalAsync(parsed.Value, repositories, hosts, cancellationToken))?.Message;
    }

    private static PullOutcome FastForward(string path, GitSource source, CancellationToken cancellationToken)
    {
        using var repository = new LibGit2Sharp.Repository(path);
        var before = repository.Head.Tip?.Sha;
        var options = new PullOptions
        {
            FetchOptions = new FetchOptions
            {
                OnTransferProgress = _ => !cancellationToken.IsCancellationRequested,
                CredentialsProvider = GitCredentials.Provider(source),
            },
            MergeOptions = new MergeOptions { FastForwardStrategy = FastForwardStrategy.FastForwardOnly },
        };
        var signature = new Signature("claude-batch-server", "claude-batch-server@localhost", DateTimeOffset.UtcNow);
        var result = Commands.Pull(repository, signature, options);
        if (result.Status == MergeStatus.Conflicts)
        {
            return new PullOutcome(PullStatus.Failed, null, false, "The master clone has diverged from its remote; it cannot be fast-forwarded.");
        }

        var after = repository.Head.Tip?.Sha ?? "";
        return new PullOutcome(PullStatus.Pulled, after, before != after, null);
    }
}
