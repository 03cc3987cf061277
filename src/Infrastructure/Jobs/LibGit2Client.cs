using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Repositories;
using LibGit2Sharp;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>Fast-forwards a master clone with LibGit2Sharp: fetch from origin, then move the branch only if no merge is needed.</summary>
internal sealed class LibGit2Client : IGitClient
{
    public Task<PullOutcome> FastForwardAsync(string repositoryPath, GitSource source, CancellationToken cancellationToken) =>
        Task.Run(() => FastForward(repositoryPath, source, cancellationToken), cancellationToken);

    private static PullOutcome FastForward(string path, GitSource source, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path) || LibGit2Sharp.Repository.Discover(path) is not { } gitDir
            || Path.GetFullPath(Path.Combine(gitDir, "..")).TrimEnd('/') != Path.GetFullPath(path).TrimEnd('/'))
        {
            return new PullOutcome(PullStatus.NotGitRepo, null, false, null);
        }

        try
        {
            using var repository = new LibGit2Sharp.Repository(path);
            var before = repository.Head.Tip?.Sha;
            var options = new PullOptions
            {
                FetchOptions = new FetchOptions
                {
                    OnTransferProgress = _ => !cancellationToken.IsCancellationRequested,
                    CredentialsProvider = source.HasCredentials
                        ? (_, _, _) => new UsernamePasswordCredentials { Username = source.Username ?? "", Password = source.Password ?? "" }
                        : null,
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
        catch (LibGit2SharpException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new PullOutcome(PullStatus.Failed, null, false, Redact(e.Message, source));
        }
    }

    private static string Redact(string message, GitSource source) =>
        source.Password is { Length: > 0 } password ? message.Replace(password, "***", StringComparison.Ordinal) : message;
}
