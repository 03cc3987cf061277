using System.Collections.Concurrent;
using System.Diagnostics;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Application.Workspaces;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Infrastructure.Workspaces;
using LibGit2Sharp;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// Master clones made with LibGit2Sharp. A clone is made in a private dot-folder beside its final place (names
/// never start with a dot) and moved in atomically, so a half-done clone is never seen under a repository's name.
/// Credentials go to libgit2's credential callback only: they are not written to <c>.git/config</c>.
/// </summary>
internal sealed class LibGit2MasterClones(
    WorkspaceOptions workspace, RepositoriesOptions repositories, IHostResolver hosts, ILogger<LibGit2MasterClones> logger) : IMasterClones
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> running = new();

    private string Root => Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace.RepositoriesPath));

    public string PathFor(string name) => InsideRoot(name);

    public bool Exists(string name) => Directory.Exists(InsideRoot(name));

    public string? RegistrationOf(string name)
    {
        try
        {
            return File.ReadAllText(MarkFor(name)).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task MarkAsync(string name, string registration, CancellationToken cancellationToken) =>
        File.WriteAllTextAsync(MarkFor(name), registration, cancellationToken);

    /// <summary>Beside the master, not in it (a job's copy of the master does not carry it).</summary>
    private string MarkFor(string name) => InsideRoot($".{name}.registration");

    public async Task<Result<PreparedClone>> CloneAsync(string name, GitSource source, CancellationToken cancellationToken)
    {
        var privatePath = InsideRoot($".{name}.cloning-{Guid.NewGuid():N}");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        running[name] = cancel;
        using var session = new GitNetworkSession(repositories.AllowPrivateNetworks, hosts, cancel.Token);
        var watch = Stopwatch.StartNew();
        try
        {
            // Checked again now, not only at registration: a name may resolve elsewhere since.
            if (await PrivateNetworks.RefusalAsync(source, repositories, hosts, cancel.Token) is { } refused)
            {
                logger.LogWarning("Clone of {Repository} refused: {Reason}", name, refused.Message);
                return DomainError.Invalid("clone-failed", refused.Message);
            }

            var from = source.Kind == GitSourceKind.Local ? LocalSources.Resolve(source.LocalPath, repositories) : source.Url;
            if (Btrfs.IsBtrfs(Root))
            {
                // A master clone that is a subvolume lets each job's workspace be a single snapshot.
                await Btrfs.CreateSubvolumeAsync(privatePath, cancel.Token);
            }

            await Task.Run(() => session.Run(() => LibGit2Sharp.Repository.Clone(from, privatePath, Options(source, cancel.Token))), cancel.Token);
            cancel.Token.ThrowIfCancellationRequested();
            // Write the checkout back now (syncfs): a reflink copy or snapshot of dirty files waits for their
            // writeback, which would otherwise land on the first job's workspace.
            await Processes.ProcessRunner.RunCheckedAsync("sync", ["--file-system", privatePath], cancel.Token);
            return new PreparedClone(name, privatePath, Describe(privatePath, watch.Elapsed.TotalMilliseconds));
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException or OperationCanceledException or LocalSourceRefusedException)
        {
            await Btrfs.DeleteTreeAsync(privatePath, CancellationToken.None);
            var reason = cancel.IsCancellationRequested ? "The clone was cancelled." : GitErrors.ForUser(e, source, session);
            logger.LogWarning("Clone of {Repository} failed: {Reason} ({Detail})", name, reason, GitErrors.ForLog(e, source, session));
            return DomainError.Invalid("clone-failed", reason);
        }
        finally
        {
            running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(name, cancel));
        }
    }

    public async Task PublishAsync(PreparedClone clone, CancellationToken cancellationToken)
    {
        var final = PathFor(clone.Name);
        await Btrfs.DeleteTreeAsync(final, cancellationToken);
        Directory.Move(clone.PrivatePath, final);
    }

    public Task DiscardAsync(PreparedClone clone, CancellationToken cancellationToken) =>
        Btrfs.DeleteTreeAsync(clone.PrivatePath, cancellationToken);

    public void CancelClone(string name)
    {
        if (running.TryGetValue(name, out var cancel))
        {
            cancel.Cancel();
        }
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(MarkFor(name));
        await Btrfs.DeleteTreeAsync(PathFor(name), cancellationToken);
        if (Directory.Exists(Root))
        {
            foreach (var leftover in Directory.EnumerateDirectories(Root, $".{name}.cloning-*"))
            {
                await Btrfs.DeleteTreeAsync(leftover, cancellationToken);
            }
        }
    }

    public string? HeadCommit(string name)
    {
        var path = InsideRoot(name);
        if (!LibGit2Sharp.Repository.IsValid(path))
        {
            return null;
        }

        using var repository = new LibGit2Sharp.Repository(path);
        return repository.Head.Tip?.Sha;
    }

    private static CloneOptions Options(GitSource source, CancellationToken cancel)
    {
        var options = new CloneOptions { RecurseSubmodules = false };
        options.FetchOptions.OnTransferProgress = _ => !cancel.IsCancellationRequested;
        options.FetchOptions.OnProgress = _ => !cancel.IsCancellationRequested;
        options.FetchOptions.CredentialsProvider = GitCredentials.Provider(source);

        return options;
    }

    private static ClonedRepository Describe(string path, double milliseconds)
    {
        using var repository = new LibGit2Sharp.Repository(path);
        var tip = repository.Head.Tip;
        var (files, bytes) = FolderSize.Measure(path);
        return new ClonedRepository(
            repository.Head.FriendlyName, tip?.Sha ?? "", tip?.MessageShort ?? "", bytes, files, milliseconds);
    }

    private string InsideRoot(string name)
    {
        var path = Path.GetFullPath(Path.Combine(Root, name));
        if (Path.GetDirectoryName(path) != Root)
        {
            throw new InvalidOperationException($"'{name}' does not name a folder directly inside the repositories folder.");
        }

        return path;
    }
}
