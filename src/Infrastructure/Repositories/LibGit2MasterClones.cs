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
    WorkspaceOptions workspace, RepositoriesOptions repositories, ILogger<LibGit2MasterClones> logger) : IMasterClones
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> running = new();

    private string Root => Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace.RepositoriesPath));

    public string PathFor(string name) => InsideRoot(name);

    public async Task<Result<PreparedClone>> CloneAsync(string name, GitSource source, CancellationToken cancellationToken)
    {
        var privatePath = InsideRoot($".{name}.cloning-{Guid.NewGuid():N}");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        running[name] = cancel;
        var watch = Stopwatch.StartNew();
        try
        {
            var from = source.Kind == GitSourceKind.Local ? ResolveLocalSource(source.LocalPath) : source.Url;
            if (Btrfs.IsBtrfs(Root))
            {
                // A master clone that is a subvolume lets each job's workspace be a single snapshot.
                await Btrfs.CreateSubvolumeAsync(privatePath, cancel.Token);
            }

            await Task.Run(() => LibGit2Sharp.Repository.Clone(from, privatePath, Options(source, cancel.Token)), cancel.Token);
            cancel.Token.ThrowIfCancellationRequested();
            // Write the checkout back now (syncfs): a reflink copy or snapshot of dirty files waits for their
            // writeback, which would otherwise land on the first job's workspace.
            await Jobs.ProcessRunner.RunCheckedAsync("sync", ["--file-system", privatePath], cancel.Token);
            return new PreparedClone(name, privatePath, Describe(privatePath, watch.Elapsed.TotalMilliseconds));
        }
        catch (Exception e) when (e is LibGit2SharpException or IOException or UnauthorizedAccessException or OperationCanceledException or SourceRefusedException)
        {
            await Btrfs.DeleteTreeAsync(privatePath, CancellationToken.None);
            var reason = cancel.IsCancellationRequested ? "The clone was cancelled." : Redact(e.Message, source);
            logger.LogInformation("Clone of {Repository} failed: {Reason}", name, reason);
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
        await Btrfs.DeleteTreeAsync(PathFor(name), cancellationToken);
        if (Directory.Exists(Root))
        {
            foreach (var leftover in Directory.EnumerateDirectories(Root, $".{name}.cloning-*"))
            {
                await Btrfs.DeleteTreeAsync(leftover, cancellationToken);
            }
        }
    }

    private static CloneOptions Options(GitSource source, CancellationToken cancel)
    {
        var options = new CloneOptions { RecurseSubmodules = false };
        options.FetchOptions.OnTransferProgress = _ => !cancel.IsCancellationRequested;
        options.FetchOptions.OnProgress = _ => !cancel.IsCancellationRequested;
        if (source.HasCredentials)
        {
            options.FetchOptions.CredentialsProvider = (_, _, _) => new UsernamePasswordCredentials
            {
                Username = source.Username ?? "",
                Password = source.Password ?? "",
            };
        }

        return options;
    }

    /// <summary>The real path of a local source (symlinks resolved), which must still lie in an allowed root.</summary>
    private string ResolveLocalSource(string path)
    {
        var real = RealPath.Of(path);
        if (!Directory.Exists(real))
        {
            throw new SourceRefusedException($"The local source '{path}' does not exist.");
        }

        if (!repositories.AllowLocalSources || !LocalRoots.Contains(repositories.AllowedLocalRoots.Select(RealPath.Of), real))
        {
            throw new SourceRefusedException($"The local source '{path}' resolves outside Repositories:AllowedLocalRoots.");
        }

        return real;
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

    private sealed class SourceRefusedException(string message) : Exception(message);
}
