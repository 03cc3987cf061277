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

    /// <summary>
    /// The commit's objects into the master, only once they are known to be what they should be: git takes the pack into
    /// a quarantine folder of its own (checking every object, resolving what it refers to through the master), the commit
    /// must be one of the pack's own objects (not one the master or another job already holds) whose only parent is the
    /// job's base commit; only then do the pack's files move into the master. Whatever is refused is removed with the
    /// quarantine.
    /// </summary>
    private async Task<Result<bool>> StoreAsync(string master, PackedCommit changes, string baseCommit, CancellationToken cancellationToken)
    {
        var objects = Path.Combine(master, ".git", "objects");
        objects = Directory.Exists(objects) ? objects : Path.Combine(master, "objects");
        var quarantine = Path.Combine(objects, $"incoming-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(quarantine, "pack"));
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["GIT_CONFIG_NOSYSTEM"] = "1",
                ["GIT_TERMINAL_PROMPT"] = "0",
                ["GIT_OBJECT_DIRECTORY"] = quarantine,
                ["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = objects,
            };
            ProcessResult indexed;
            await using (var pack = File.OpenRead(changes.PackFile))
            {
                indexed = await GitAsync(master, environment, ["index-pack", "--stdin", "--strict", $"--max-input-size={Jobs.GitWorkspaceCommits.MaxPackBytes}"], pack, cancellationToken);
            }

            if (indexed.TimedOut || indexed.ExitCode != 0)
            {
                // Its message may quote names from the user's tree: only that it failed, and how.
                logger.LogWarning("The commit's pack was refused by git index-pack (exit code {ExitCode})", indexed.ExitCode);
                return PushErrors.CommitFailed("its objects were refused.");
            }

            var packFolder = Path.Combine(quarantine, "pack");
            var index = Directory.GetFiles(packFolder, "*.idx").Single();
            ProcessResult listed;
            await using (var idx = File.OpenRead(index))
            {
                listed = await GitAsync(master, environment, ["show-index"], idx, cancellationToken);
            }

            var own = listed.ExitCode == 0 && listed.Output.Split('\n').Any(line => line.Split(' ') is [_, var sha, ..] && sha == changes.Commit);
            var parents = await GitAsync(master, environment, ["rev-list", "--parents", "-n", "1", changes.Commit], null, cancellationToken);
            if (!own || parents.ExitCode != 0 || parents.Output.Trim() != $"{changes.Commit} {baseCommit}")
            {
                return PushErrors.CommitFailed("the commit received is not a new commit of the workspace on the job's base commit.");
            }

            // The index last: git uses a pack only once its index is there.
            var files = Directory.GetFiles(packFolder).OrderBy(f => f.EndsWith(".idx", StringComparison.Ordinal)).ToList();
            foreach (var file in files)
            {
                File.Move(file, Path.Combine(objects, "pack", Path.GetFileName(file)), overwrite: true);
            }

            return true;
        }
        catch (Win32Exception e)
        {
            return PushErrors.Failed($"git could not start ({e.Message}).");
        }
        finally
        {
            Directory.Delete(quarantine, recursive: true);
        }
    }

    private Task<ProcessResult> GitAsync(
        string master, Dictionary<string, string> environment, string[] arguments, Stream? input, CancellationToken cancellationToken) =>
        processes.RunAsync(new ProcessCommand("git", ["-C", master, .. arguments])
        {
            Environment = environment,
            InputFrom = input,
            ErrorLimit = 4096,
            Timeout = TimeSpan.FromMinutes(10),
        }, cancellationToken);

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
