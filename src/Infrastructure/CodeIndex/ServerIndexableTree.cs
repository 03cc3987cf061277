using ClaudeBatch.Infrastructure.Files;
using LibGit2Sharp;
using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.CodeIndex;

/// <summary>
/// Whether the server's own account may run cidx over a master clone. The clone's folders are the server's, but what
/// is in them is the registrant's choice: a symbolic link committed in the repository (<c>notes.py</c> →
/// <c>/etc/shadow</c>, or <c>.code-indexer</c> → a folder of root's) would have cidx, as root, read the file it names
/// into an index that every job's workspace gets, or write its state where the link leads; a committed
/// <c>.code-indexer</c> would be configuration the registrant wrote, read by root. So the server indexes only a tree
/// of plain folders and files that tracks no cidx state; any other master is left to the jobs, each of which indexes
/// its own copy as its user. The tree is walked by descriptors (<see cref="LinuxFs"/>), links described, never followed.
/// </summary>
internal static class ServerIndexableTree
{
    private const string StateFolder = CidxCodeIndex.StateFolder;

    private const string LeftToJobs = "its master is not indexed by the server, and each job indexes its own workspace as its user";

    /// <summary>Why the server does not index <paramref name="master"/>, or null when it may.</summary>
    public static string? Refusal(string master)
    {
        if (TracksIndexState(master))
        {
            return $"the repository itself holds '{StateFolder}': {LeftToJobs}";
        }

        var error = LinuxFs.OpenDirectory(master, out var root);
        using (root)
        {
            if (error != 0)
            {
                return $"its master could not be opened ({LinuxFs.Failure(error, "open").Message})";
            }

            return FirstSpecial(root, "") is { } found
                ? $"the repository holds '{found}', which is not a plain folder or file (a symbolic link, say): {LeftToJobs}"
                : null;
        }
    }

    /// <summary>Whether the repository's index (what its commits put in the tree) has anything under <c>.code-indexer</c>.</summary>
    private static bool TracksIndexState(string master)
    {
        if (!Repository.IsValid(master))
        {
            return false;
        }

        using var repository = new Repository(master);
        return repository.Index.Any(e => e.Path == StateFolder || e.Path.StartsWith(StateFolder + "/", StringComparison.Ordinal));
    }

    /// <summary>The path (inside the tree) of the first entry that is neither a folder nor a regular file.</summary>
    private static string? FirstSpecial(SafeFileHandle folder, string path)
    {
        foreach (var (name, recorded) in LinuxFs.ReadDirectory(folder))
        {
            var kind = recorded;
            if (kind == FileKind.Unknown)
            {
                var error = LinuxFs.StatEntry(folder, name, out var status);
                kind = error == 0 ? status.Kind : FileKind.Unknown;
            }

            var inside = path.Length == 0 ? name : $"{path}/{name}";
            if (kind == FileKind.Regular)
            {
                continue;
            }

            if (kind != FileKind.Directory)
            {
                return inside;
            }

            var opened = LinuxFs.OpenAt(folder, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var child);
            using (child)
            {
                if (opened != 0)
                {
                    return inside;
                }

                if (FirstSpecial(child, inside) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
