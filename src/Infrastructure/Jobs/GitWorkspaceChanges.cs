using System.ComponentModel;
using System.Globalization;
using System.Text;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Infrastructure.Processes;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// A job's changes by git, run as the job's user: the workspace and its <c>.git/config</c> are the user's, and git runs
/// the configuration's programs (clean filters, say), so it never runs as the server. It runs in the job's own
/// containment while the job runs, else in one opened for the computation and killed after it, so nothing it starts
/// outlives it. It leaves the workspace as it was: the working tree is staged into a throw-away index (a copy of the
/// workspace's, so unchanged files are not read again) whose new objects go to a throw-away object folder, and that
/// index is compared with the base commit. The user's fsmonitor, external diff and textconv programs are not used.
/// </summary>
internal sealed class GitWorkspaceChanges(ProcessRunner processes, IJobContainment containment, JobsOptions options) : IWorkspaceChanges
{
    /// <summary>
    /// <c>sh -c Script claude-batch-diff BASE MODE</c>, in the workspace: exit 3 when it is not a git working tree of its
    /// own, 4 when the base commit is not in it. Everything else git says goes to stderr.
    /// </summary>
    private const string Script = GitAsJobUser.ScratchPreamble + """
        mode=$2
        set -- -c core.fsmonitor=false -c core.untrackedCache=false -c core.quotePath=false -c core.checkStat=minimal \
            -c core.trustctime=false -c core.hooksPath=/dev/null -c "core.excludesFile=$tmp/exclude" -c diff.renames=true
        git "$@" add --all --ignore-errors -- . >/dev/null 2>"$tmp/add.err"
        compare="diff --cached -M --no-ext-diff --no-textconv --no-color --no-relative --src-prefix=a/ --dst-prefix=b/"
        case $mode in
            diff) git "$@" $compare "$base" -- ;;
            stat) git "$@" $compare --raw --numstat -z "$base" -- ;;
        esac
        """;

    private TimeSpan Timeout => TimeSpan.FromSeconds(options.DiffTimeoutSeconds);

    public async Task<Result<WorkspaceDiff>> DiffAsync(
        string workspace, string baseCommit, RunAs identity, long maxBytes, CancellationToken cancellationToken)
    {
        var run = await RunAsync(workspace, baseCommit, "diff", identity, (int)Math.Min(int.MaxValue - 1, maxBytes) + 1, cancellationToken);
        return run.IsSuccess ? Cut(run.Value, maxBytes) : run.Error;
    }

    public async Task<Result<ChangeStat>> StatAsync(string workspace, string baseCommit, RunAs identity, CancellationToken cancellationToken)
    {
        var run = await RunAsync(workspace, baseCommit, "stat", identity, ProcessCommand.DefaultCaptureLimit * 16, cancellationToken);
        return run.IsSuccess ? Parse(baseCommit, run.Value) : run.Error;
    }

    private async Task<Result<string>> RunAsync(
        string workspace, string baseCommit, string mode, RunAs identity, int outputLimit, CancellationToken cancellationToken)
    {
        var environment = GitAsJobUser.Environment(workspace);
        environment["GIT_PAGER"] = "cat";
        ProcessResult run;
        try
        {
            run = await GitAsJobUser.ContainedAsync(containment, identity, (user, own) => processes.RunAsync(
                new ProcessCommand("/bin/sh", ["-c", Script, "claude-batch-diff", baseCommit, mode])
                {
                    User = user,
                    WorkingDirectory = workspace,
                    Environment = environment,
                    Timeout = Timeout,
                    OutputLimit = outputLimit,
                    ErrorLimit = 4096,
                    KillLeftovers = own,
                }, cancellationToken), cancellationToken);
        }
        catch (Win32Exception e)
        {
            return WorkspaceChangeErrors.Failed($"git could not start ({e.Message}).");
        }

        return run switch
        {
            { TimedOut: true } => WorkspaceChangeErrors.TimedOut(options.DiffTimeoutSeconds),
            { ExitCode: 0 } => run.Output,
            { ExitCode: 3 or 4 } => WorkspaceChangeErrors.NotGit(GitAsJobUser.LastLine(run.Error) + "."),
            _ => WorkspaceChangeErrors.Failed(GitAsJobUser.LastLine(run.Error)),
        };
    }

    /// <summary>At most <paramref name="maxBytes"/> of UTF-8, cut after a whole line.</summary>
    internal static WorkspaceDiff Cut(string text, long maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return new WorkspaceDiff(text, false);
        }

        var encoder = Encoding.UTF8;
        var end = 0;
        long bytes = 0;
        for (var line = 0; line < text.Length;)
        {
            var next = text.IndexOf('\n', line);
            next = next < 0 ? text.Length : next + 1;
            bytes += encoder.GetByteCount(text.AsSpan(line, next - line));
            if (bytes > maxBytes)
            {
                break;
            }

            end = line = next;
        }

        return new WorkspaceDiff(text[..end], true);
    }

    /// <summary>
    /// <c>--raw --numstat -z</c>: first each file's raw entry (<c>:modes shas STATUS</c>, the path, and for a rename or
    /// copy the new path), then its numstat (<c>added\tdeleted\tpath</c>, or <c>added\tdeleted\t</c> then the old and new
    /// path; <c>-</c> for a binary file).
    /// </summary>
    internal static Result<ChangeStat> Parse(string baseCommit, string output)
    {
        var tokens = output.Split('\0');
        var files = new List<FileChange>();
        var at = 0;
        while (at < tokens.Length && tokens[at].StartsWith(':'))
        {
            var status = tokens[at++].Split(' ')[^1];
            if (status.Length == 0 || at >= tokens.Length)
            {
                return WorkspaceChangeErrors.Failed("git's summary ended early.");
            }

            var path = tokens[at++];
            string? oldPath = null;
            if (status[0] is 'R' or 'C')
            {
                if (at >= tokens.Length)
                {
                    return WorkspaceChangeErrors.Failed("git's summary ended early.");
                }

                (oldPath, path) = (path, tokens[at++]);
            }

            var kind = status[0] switch
            {
                'A' or 'C' => "added",
                'D' => "deleted",
                'R' => "renamed",
                _ => "modified",
            };
            files.Add(new FileChange(path, kind, 0, 0, false, status[0] == 'R' ? oldPath : null));
        }

        var byPath = files.Select((file, index) => (file.Path, index)).ToDictionary(p => p.Path, p => p.index, StringComparer.Ordinal);
        for (; at < tokens.Length; at++)
        {
            var fields = tokens[at].Split('\t');
            if (fields.Length != 3)
            {
                continue;
            }

            var path = fields[2];
            if (path.Length == 0)
            {
                // A rename or copy: the old path, then the new one.
                at += 2;
                if (at >= tokens.Length)
                {
                    break;
                }

                path = tokens[at];
            }

            if (!byPath.TryGetValue(path, out var index))
            {
                continue;
            }

            var binary = fields[0] == "-" && fields[1] == "-";
            _ = int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var additions);
            _ = int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var deletions);
            files[index] = files[index] with { Additions = additions, Deletions = deletions, Binary = binary };
        }

        return new ChangeStat(baseCommit, files, files.Sum(f => f.Additions), files.Sum(f => f.Deletions));
    }
}
