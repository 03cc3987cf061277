using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Removes a tree that a job's user may be changing while it goes, without ever following a link: every step is
/// relative to a directory descriptor already open (<c>openat</c> with <c>O_NOFOLLOW | O_DIRECTORY</c>,
/// <c>unlinkat</c>), so a directory swapped for a link to <c>/etc</c> half-way is removed as the link it has
/// become, and nothing outside the tree is touched. Only the first name, in a folder the server owns, is looked up
/// by path. The walk is iterative (a user's 100,000 nested folders cannot overflow the stack) and holds one
/// descriptor per level, up to <see cref="MaxDepth"/>.
/// </summary>
public static class TreeRemoval
{
    public const int MaxDepth = 4096;

    /// <summary>How many times a directory is read again when entries keep appearing in it.</summary>
    private const int MaxPasses = 8;

    /// <summary>
    /// Removes <paramref name="name"/> (a file, a link or a whole directory) from the server-owned directory
    /// <paramref name="parentPath"/>; false if there was nothing to remove. Throws <see cref="IOException"/> when
    /// something could not be removed (the caller records it and retries later).
    /// </summary>
    public static bool Remove(string parentPath, string name)
    {
        var error = LinuxFs.OpenDirectory(parentPath, out var parent);
        using (parent)
        {
            if (error == LinuxFs.ENOENT)
            {
                return false;
            }

            if (error != 0)
            {
                throw LinuxFs.Failure(error, $"open {parentPath}");
            }

            return RemoveEntry(parent, name);
        }
    }

    /// <summary>Removes the entry <paramref name="name"/> of <paramref name="parent"/>; false if it did not exist.</summary>
    public static bool RemoveEntry(SafeFileHandle parent, string name)
    {
        switch (UnlinkOrOpen(parent, name, out var top))
        {
            case Step.Gone:
                return false;
            case Step.Removed:
                return true;
        }

        var levels = new Stack<Level>();
        levels.Push(new Level(parent, name, top!));
        try
        {
            while (levels.Count > 0)
            {
                var level = levels.Peek();
                var entries = LinuxFs.ReadDirectory(level.Directory, 256);
                Level? deeper = null;
                foreach (var (entry, _) in entries)
                {
                    if (UnlinkOrOpen(level.Directory, entry, out var child) == Step.Descend)
                    {
                        if (levels.Count >= MaxDepth)
                        {
                            child!.Dispose();
                            throw new IOException($"The tree under '{name}' is more than {MaxDepth} folders deep.");
                        }

                        deeper = new Level(level.Directory, entry, child!);
                        break;
                    }
                }

                if (deeper is not null)
                {
                    levels.Push(deeper);
                    continue;
                }

                if (entries.Count > 0)
                {
                    continue; // More of this directory to read.
                }

                // Read to its end: the directory should now be empty.
                var error = LinuxFs.UnlinkAt(level.Parent, level.Name, isDirectory: true);
                if (error is LinuxFs.ENOTEMPTY && ++level.Passes < MaxPasses)
                {
                    LinuxFs.Rewind(level.Directory); // Something appeared meanwhile (or was skipped by a descent): read again.
                    continue;
                }

                if (error is not (0 or LinuxFs.ENOENT or LinuxFs.ENOTDIR))
                {
                    throw LinuxFs.Failure(error, $"rmdir {level.Name}");
                }

                levels.Pop().Directory.Dispose();
                if (error == LinuxFs.ENOTDIR && UnlinkOrOpen(level.Parent, level.Name, out var replaced) == Step.Descend)
                {
                    // Swapped for a file or another folder while it was emptied: remove what is there now.
                    levels.Push(new Level(level.Parent, level.Name, replaced!));
                    continue;
                }

                if (levels.TryPeek(out var up))
                {
                    LinuxFs.Rewind(up.Directory); // Its entries after the one descended into are read afresh.
                }
            }

            return true;
        }
        finally
        {
            foreach (var level in levels)
            {
                level.Directory.Dispose();
            }
        }
    }

    /// <summary>Unlinks a non-directory; for a directory, opens it (never through a link) to be emptied.</summary>
    private static Step UnlinkOrOpen(SafeFileHandle parent, string name, out SafeFileHandle? directory)
    {
        directory = null;
        var error = 0;
        for (var attempt = 0; attempt < MaxPasses; attempt++)
        {
            error = LinuxFs.UnlinkAt(parent, name, isDirectory: false);
            if (error == 0)
            {
                return Step.Removed;
            }

            if (error == LinuxFs.ENOENT)
            {
                return Step.Gone;
            }

            // EISDIR is what Linux answers for a directory given to unlink (EPERM on some filesystems).
            if (error is not (LinuxFs.EISDIR or LinuxFs.EPERM))
            {
                throw LinuxFs.Failure(error, $"unlink {name}");
            }

            var opened = LinuxFs.OpenAt(parent, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var handle);
            if (opened == 0)
            {
                directory = handle;
                return Step.Descend;
            }

            handle.Dispose();
            if (opened == LinuxFs.ENOENT)
            {
                return Step.Gone;
            }

            if (opened is not (LinuxFs.ELOOP or LinuxFs.ENOTDIR))
            {
                throw LinuxFs.Failure(opened, $"open {name}");
            }

            // Swapped for a link or a file since it was found to be a directory: unlink it as what it is now.
        }

        // EPERM for what is not a folder: a file that may not be removed (immutable, append-only), not a race.
        throw error == LinuxFs.EPERM
            ? LinuxFs.Failure(error, $"unlink {name}")
            : new IOException($"'{name}' kept changing between a folder and a file while it was being removed.");
    }

    private enum Step
    {
        Gone,
        Removed,
        Descend,
    }

    private sealed class Level(SafeFileHandle parent, string name, SafeFileHandle directory)
    {
        public SafeFileHandle Parent { get; } = parent;

        public string Name { get; } = name;

        public SafeFileHandle Directory { get; } = directory;

        public int Passes { get; set; }
    }
}
