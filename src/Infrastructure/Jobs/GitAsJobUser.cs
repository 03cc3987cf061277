using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Processes;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// What <see cref="GitWorkspaceChanges"/> and <see cref="GitWorkspaceCommits"/> share: git run as the job's user in the
/// workspace, in the job's containment (or one of its own, killed afterwards), on a throw-away copy of the index whose
/// new objects go to a throw-away object folder.
/// </summary>
internal static class GitAsJobUser
{
    /// <summary>
    /// The start of every script, run as <c>sh -c SCRIPT NAME BASE …</c>: exit 3 when the workspace is not a git working
    /// tree of its own, 4 when the base commit is not in it, 5 when the scratch index or object folder cannot be made.
    /// Leaves <c>$base</c>, <c>$tmp</c> (removed on exit, with <c>$tmp/exclude</c> leaving out the uploads under
    /// <c>files/</c> and cidx's index state under <c>.code-indexer/</c>, when untracked) and git's environment pointing at the scratch index and objects.
    /// </summary>
    public const string ScratchPreamble = """
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
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/$0.XXXXXX") || exit 5
        trap 'rm -rf "$tmp"' EXIT
        printf '/files/\n/.code-indexer/\n' > "$tmp/exclude"
        # New objects go into the temporary folder itself (their subfolders are two hex digits: no clash with the rest).
        export GIT_INDEX_FILE="$tmp/index" GIT_OBJECT_DIRECTORY="$tmp" GIT_ALTERNATE_OBJECT_DIRECTORIES="$objects"
        if [ -f "$index" ]; then cp "$index" "$tmp/index" || exit 5; else git read-tree "$base" || exit 5; fi

        """;

    /// <summary>git's environment for a workspace: it never looks above the workspace for a repository, whatever the agent left of its .git.</summary>
    public static Dictionary<string, string> Environment(string workspace) => new()
    {
        ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(workspace)) ?? "/",
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
    };

    /// <summary>
    /// Runs <paramref name="run"/> as <paramref name="identity"/>: in its job's containment while the job runs, else in
    /// one opened for this run and closed (its processes killed) after it.
    /// </summary>
    public static async Task<ProcessResult> ContainedAsync(
        IJobContainment containment, RunAs identity, Func<RunAs, bool, Task<ProcessResult>> run, CancellationToken cancellationToken)
    {
        if (identity.JobId is not null)
        {
            return await run(identity, false);
        }

        var own = Guid.NewGuid().ToString("D");
        await containment.OpenAsync(own, cancellationToken);
        try
        {
            return await run(identity with { JobId = own }, true);
        }
        finally
        {
            await containment.CloseAsync(own, CancellationToken.None);
        }
    }

    public static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "no message";
}
