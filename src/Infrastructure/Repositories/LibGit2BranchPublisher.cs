using System.ComponentModel;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Infrastructure.Processes;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// Pushes a job's commit from the master clone: its pack (a file of the server's) is indexed into the master by
/// <c>git index-pack --strict</c>, the commit is checked to sit right on the job's base commit, origin is checked as a
/// pull would check it, asked whether the branch exists (through the same SSRF-safe transport), and pushed to with
/// LibGit2Sharp and the registration's credentials, from a temporary ref removed afterwards. The master's checkout
/// and branches do not move.
/// </summary>
internal sealed class LibGit2BranchPublisher(
    IMasterClones clones, ProcessRunner processes, RepositoriesOptions repositories, IHostResolver hosts, ILogger<LibGit2BranchPublisher> logger)
    : IBranchPublisher
{
    public async Task<Result<string>> PushAsync(
        string repository, GitSource source, ICommitObjects objects, string baseCommit, string branch, bool force, CancellationToken cancellationToken)
    {
        var changes = objects as PackedCommit ?? throw new ArgumentException("Only a packed commit can be pushed.", nameof(objects));
        var master = clones.PathFor(repository);
        if (!LibGit2Sharp.Repository.IsValid(master))
        {
            return PushErrors.Failed($"the master clone of '{repository}' is not a git repository.");
        }

        var stored = await StoreAsync(master, changes, baseCommit, cancellationToken);
        if (!stored.IsSuccess)
        {
            return stored.Error;
        }

        using var session = new GitNetworkSession(repositories.AllowPrivateNetworks, hosts, cancellationToken);
        try
        {
            if (await LibGit2Client.RefusalOfOriginAsync(master, repositories, hosts, cancellationToken) is { } refusal)
            {
                return PushErrors.Failed(GitCredentials.Redact(refusal, source));
            }

            return await Task.Run(() => session.Run(() => Push(master, source, changes.Commit, branch, force)), cancellationToken);
        }
        catch (Exception e) when (e is LibGit2SharpException or LocalSourceRefusedException or IOException or UnauthorizedAccessException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // libgit2 pushes to a local repository only when it is bare: say so rather than "could not read".
            var reason = source.Kind == GitSourceKind.Local && e.Message.Contains("non-bare", StringComparison.Ordinal)
                ? "origin is a local repository that is not bare; pushing to it is not supported."
                : GitErrors.ForUser(e, source, session);
            logger.LogWarning("Push of {Commit} to {Repository} as {Branch} failed: {Reason} ({Detail})",
                changes.Commit, repository, branch, reason, GitErrors.ForLog(e, source, session));
            return PushErrors.Failed(reason);
        }
    }

    /// <summary>The commit's objects into the master (checked by git as it takes them), and the commit checked.</summary>
    private async Task<Result<bool>> StoreAsync(string master, PackedCommit changes, string baseCommit, CancellationToken cancellationToken)
    {
        ProcessResult run;
        try
        {
            await using var pack = File.OpenRead(changes.PackFile);
            run = await processes.RunAsync(new ProcessCommand("git", ["-C", master, "index-pack", "--stdin", "--strict"])
            {
                Environment = new Dictionary<string, string> { ["GIT_CONFIG_NOSYSTEM"] = "1", ["GIT_TERMINAL_PROMPT"] = "0" },
                InputFrom = pack,
                ErrorLimit = 4096,
                Timeout = TimeSpan.FromMinutes(10),
            }, cancellationToken);
        }
        catch (Win32Exception e)
        {
            return PushErrors.Failed($"git could not start ({e.Message}).");
        }

        if (run.TimedOut || run.ExitCode != 0)
        {
            // Its message may quote names from the user's tree: only that it failed, and how.
            logger.LogWarning("The commit's pack was refused by git index-pack (exit code {ExitCode})", run.ExitCode);
            return PushErrors.CommitFailed("its objects were refused.");
        }

        using var repository = new LibGit2Sharp.Repository(master);
        var commit = repository.Lookup<Commit>(changes.Commit);
        if (commit is null || commit.Parents.Select(p => p.Sha).ToList() is not [var parent] || parent != baseCommit)
        {
            return PushErrors.CommitFailed("the commit received is not a commit on the job's base commit.");
        }

        return true;
    }

    private static Result<string> Push(string master, GitSource source, string commit, string branch, bool force)
    {
        using var repository = new LibGit2Sharp.Repository(master);
        var origin = repository.Network.Remotes["origin"];
        if (origin is null)
        {
            return PushErrors.Failed("the master clone has no origin.");
        }

        var target = "refs/heads/" + branch;
        var credentials = GitCredentials.Provider(source);
        var exists = (credentials is null ? repository.Network.ListReferences(origin) : repository.Network.ListReferences(origin, credentials))
            .Any(r => r.CanonicalName == target);
        if (exists && !force)
        {
            return PushErrors.BranchExists(branch);
        }

        var temporary = $"refs/claude-batch/push/{Guid.NewGuid():N}";
        repository.Refs.Add(temporary, new ObjectId(commit));
        try
        {
            string? refused = null;
            repository.Network.Push(origin, $"{(force ? "+" : "")}{temporary}:{target}", new PushOptions
            {
                CredentialsProvider = credentials,
                OnPushStatusError = error => refused = error.Message,
            });
            return refused is null ? commit : PushErrors.Failed("origin refused the branch: " + GitCredentials.Redact(refused, source));
        }
        finally
        {
            repository.Refs.Remove(temporary);
        }
    }
}
