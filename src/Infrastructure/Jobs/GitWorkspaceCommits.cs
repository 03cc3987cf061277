using System.ComponentModel;
using System.Text.RegularExpressions;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Infrastructure.Processes;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Commits a job's workspace as the job's user, the way <see cref="GitWorkspaceChanges"/> computes its diff: in the
/// job's containment or one of its own, with a throw-away index and object folder, the user's fsmonitor, hooks and
/// replace refs unused. The commit's new objects come back as a pack on stdout into a file of the server's: the server
/// never reads the user's repository by path (its alternates could name any folder root may read).
/// </summary>
internal sealed partial class GitWorkspaceCommits(ProcessRunner processes, IJobContainment containment, JobsOptions options) : IWorkspaceCommits
{
    /// <summary>The most a commit's pack may weigh.</summary>
    public const int MaxPackBytes = 1 << 30;

    /// <summary>
    /// <c>sh -c Script claude-batch-commit BASE</c>, in the workspace, the message in <c>CLAUDE_BATCH_MESSAGE</c>: exit 3
    /// when it is not a git working tree of its own, 4 when the base commit is not in it, 6 when nothing changed. Writes
    /// <c>commit SHA</c> to stderr, then the pack of <c>SHA --not BASE</c> to stdout.
    /// </summary>
    private const string Script = GitAsJobUser.ScratchPreamble + """
        set -- -c core.fsmonitor=false -c core.untrackedCache=false -c core.checkStat=minimal -c core.trustctime=false \
            -c core.hooksPath=/dev/null -c "core.excludesFile=$tmp/exclude" -c commit.gpgSign=false
        git "$@" add --all --ignore-errors -- . >/dev/null 2>"$tmp/add.err"
        tree=$(git "$@" write-tree 2>"$tmp/tree.err") || {
            echo "git could not write the workspace's tree: $(tail -n 1 "$tmp/tree.err")" >&2; exit 5; }
        [ "$tree" = "$(git rev-parse "$base^{tree}")" ] && { echo "nothing to commit" >&2; exit 6; }
        commit=$(printf '%s\n' "$CLAUDE_BATCH_MESSAGE" | git "$@" commit-tree "$tree" -p "$base") || exit 5
        echo "commit $commit" >&2
        printf '%s\n^%s\n' "$commit" "$base" | git "$@" pack-objects --revs --stdout -q
        """;

    public async Task<Result<ICommitObjects>> CommitAsync(
        string workspace, string baseCommit, RunAs identity, CommitAuthor author, string message, CancellationToken cancellationToken)
    {
        var environment = GitAsJobUser.Environment(workspace);
        environment["GIT_NO_REPLACE_OBJECTS"] = "1";
        environment["GIT_AUTHOR_NAME"] = environment["GIT_COMMITTER_NAME"] = author.Name;
        environment["GIT_AUTHOR_EMAIL"] = environment["GIT_COMMITTER_EMAIL"] = author.Email;
        environment["CLAUDE_BATCH_MESSAGE"] = message;
        var packFile = Path.GetTempFileName();
        ProcessResult run;
        try
        {
            await using (var pack = new FileStream(packFile, FileMode.Truncate, FileAccess.Write))
            {
                run = await GitAsJobUser.ContainedAsync(containment, identity, (user, own) => processes.RunAsync(
                    new ProcessCommand("/bin/sh", ["-c", Script, "claude-batch-commit", baseCommit])
                    {
                        User = user,
                        WorkingDirectory = workspace,
                        Environment = environment,
                        Timeout = TimeSpan.FromSeconds(options.DiffTimeoutSeconds),
                        OutputTo = pack,
                        OutputLimit = MaxPackBytes,
                        ErrorLimit = 4096,
                        KillLeftovers = own,
                    }, cancellationToken), cancellationToken);
            }
        }
        catch (Win32Exception e)
        {
            File.Delete(packFile);
            return PushErrors.CommitFailed($"git could not start ({e.Message}).");
        }
        catch
        {
            File.Delete(packFile);
            throw;
        }

        var commit = CommitLine().Match(run.Error);
        Result<ICommitObjects> outcome = run switch
        {
            { TimedOut: true } => PushErrors.CommitFailed($"git took longer than {options.DiffTimeoutSeconds} seconds and was stopped."),
            { ExitCode: 3 or 4 } => WorkspaceChangeErrors.NotGit(GitAsJobUser.LastLine(run.Error) + "."),
            { ExitCode: 6 } => PushErrors.NothingToCommit(),
            { ExitCode: 0 } when new FileInfo(packFile).Length > MaxPackBytes =>
                new DomainError("commit-too-large", $"The commit's objects weigh more than {MaxPackBytes} bytes.", ErrorKind.TooLarge),
            { ExitCode: 0 } when commit.Success => new PackedCommit(commit.Groups[1].Value, packFile),
            _ => PushErrors.CommitFailed(GitAsJobUser.LastLine(run.Error)),
        };
        if (!outcome.IsSuccess)
        {
            File.Delete(packFile);
        }

        return outcome;
    }

    [GeneratedRegex("^commit ([0-9a-f]{40}|[0-9a-f]{64})$", RegexOptions.Multiline)]
    private static partial Regex CommitLine();
}

/// <summary>A commit whose new objects are a pack in a file of the server's (removed on dispose).</summary>
internal sealed class PackedCommit(string commit, string packFile) : ICommitObjects
{
    public string Commit { get; } = commit;

    public string PackFile { get; } = packFile;

    public void Dispose() => File.Delete(PackFile);
}
