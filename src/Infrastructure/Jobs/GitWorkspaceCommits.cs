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
    private const string Script = """
        set -u
        base=$1
        paths=$(git rev-parse --show-toplevel --git-path objects --git-path index 2>/dev/null) || paths=""
        { IFS= read -r top && IFS= read -r objects && IFS= read -r index; } <<EOF
        $paths
        EOF
        [ -n "$paths" ] && [ "$top" = "$(pwd -P)" ] || {
            echo "the workspace is not a git working tree (its .git is missing or broken)" >&2; exit 3; }
        git cat-file -e "$base^{commit}" 2>/dev/null || {
            echo "the base commit $base is no longer in the workspace's repository" >&2; exit 4; }
        objects=$(cd "$objects" && pwd -P) || exit 5
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/claude-batch-commit.XXXXXX") || exit 5
        trap 'rm -rf "$tmp"' EXIT
        printf '/files/\n' > "$tmp/exclude"
        export GIT_INDEX_FILE="$tmp/index" GIT_OBJECT_DIRECTORY="$tmp" GIT_ALTERNATE_OBJECT_DIRECTORIES="$objects"
        if [ -f "$index" ]; then cp "$index" "$tmp/index" || exit 5; else git read-tree "$base" || exit 5; fi
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
        var own = identity.JobId is null ? Guid.NewGuid().ToString("D") : null;
        if (own is not null)
        {
            await containment.OpenAsync(own, cancellationToken);
        }

        var packFile = Path.GetTempFileName();
        ProcessResult run;
        try
        {
            await using (var pack = new FileStream(packFile, FileMode.Truncate, FileAccess.Write))
            {
                run = await processes.RunAsync(new ProcessCommand("/bin/sh", ["-c", Script, "claude-batch-commit", baseCommit])
                {
                    User = own is null ? identity : identity with { JobId = own },
                    WorkingDirectory = workspace,
                    Environment = new Dictionary<string, string>
                    {
                        ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(workspace)) ?? "/",
                        ["GIT_TERMINAL_PROMPT"] = "0",
                        ["GIT_CONFIG_NOSYSTEM"] = "1",
                        ["GIT_NO_REPLACE_OBJECTS"] = "1",
                        ["GIT_AUTHOR_NAME"] = author.Name,
                        ["GIT_AUTHOR_EMAIL"] = author.Email,
                        ["GIT_COMMITTER_NAME"] = author.Name,
                        ["GIT_COMMITTER_EMAIL"] = author.Email,
                        ["CLAUDE_BATCH_MESSAGE"] = message,
                    },
                    Timeout = TimeSpan.FromSeconds(options.DiffTimeoutSeconds),
                    OutputTo = pack,
                    OutputLimit = MaxPackBytes,
                    ErrorLimit = 4096,
                    KillLeftovers = own is not null,
                }, cancellationToken);
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
        finally
        {
            if (own is not null)
            {
                await containment.CloseAsync(own, CancellationToken.None);
            }
        }

        var commit = CommitLine().Match(run.Error);
        Result<ICommitObjects> outcome = run switch
        {
            { TimedOut: true } => PushErrors.CommitFailed($"git took longer than {options.DiffTimeoutSeconds} seconds and was stopped."),
            { ExitCode: 3 or 4 } => WorkspaceChangeErrors.NotGit(LastLine(run.Error) + "."),
            { ExitCode: 6 } => PushErrors.NothingToCommit(),
            { ExitCode: 0 } when new FileInfo(packFile).Length > MaxPackBytes =>
                new DomainError("commit-too-large", $"The commit's objects weigh more than {MaxPackBytes} bytes.", ErrorKind.TooLarge),
            { ExitCode: 0 } when commit.Success => new PackedCommit(commit.Groups[1].Value, packFile),
            _ => PushErrors.CommitFailed(LastLine(run.Error)),
        };
        if (!outcome.IsSuccess)
        {
            File.Delete(packFile);
        }

        return outcome;
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no message";

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
