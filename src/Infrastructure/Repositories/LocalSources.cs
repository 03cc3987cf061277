using System.Runtime.InteropServices;
using ClaudeBatch.Application.Repositories;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// Where a local source's git data really is. libgit2 follows a gitfile (<c>.git</c> holding <c>gitdir: …</c>), a
/// <c>commondir</c>, <c>objects/info/alternates</c> and any symlink wherever they lead, reading as root; each of them
/// must therefore lead into <c>Repositories:AllowedLocalRoots</c> too. Paths are compared after realpath(3), which
/// resolves every component (a chain of relative links included), not only the last.
/// </summary>
internal static partial class LocalSources
{
    /// <summary>git itself gives up on alternates nested deeper than this.</summary>
    private const int MaxAlternatesDepth = 5;

    /// <summary>The real path of the source, to clone or fetch from; throws <see cref="LocalSourceRefusedException"/> otherwise.</summary>
    public static string Resolve(string path, RepositoriesOptions options)
    {
        var real = RealPathOf(path);
        if (real is null || !Directory.Exists(real))
        {
            throw new LocalSourceRefusedException($"The local source '{path}' does not exist.");
        }

        var check = new Check(path, options.AllowLocalSources ? [.. options.AllowedLocalRoots.Select(RealPathOf).OfType<string>()] : []);
        check.Inside(real);
        var common = check.CommonDirOf(check.GitDirOf(real));
        check.Objects(Path.Combine(common, "objects"), depth: 0);
        return real;
    }

    /// <summary>realpath(3): the absolute path with every link resolved, or null when some component does not exist.</summary>
    private static string? RealPathOf(string path)
    {
        var resolved = RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    private sealed class Check(string source, IReadOnlyList<string> roots)
    {
        public void Inside(string real)
        {
            if (!roots.Any(root => real == root || real.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal)))
            {
                throw new LocalSourceRefusedException($"The local source '{source}' resolves outside Repositories:AllowedLocalRoots.");
            }
        }

        /// <summary>The git directory: the one a gitfile names, <c>.git</c>, or the folder itself (a bare repository).</summary>
        public string GitDirOf(string folder)
        {
            var dotGit = Path.Combine(folder, ".git");
            if (File.Exists(dotGit))
            {
                var line = File.ReadLines(dotGit).FirstOrDefault() ?? "";
                return line.StartsWith("gitdir:", StringComparison.Ordinal) ? Followed(folder, line["gitdir:".Length..].Trim()) : folder;
            }

            return Directory.Exists(dotGit) ? Followed(folder, ".git") : folder;
        }

        /// <summary>Where the objects and refs are: the directory a <c>commondir</c> file names, or the git directory itself.</summary>
        public string CommonDirOf(string gitDir)
        {
            var commondir = Path.Combine(gitDir, "commondir");
            return File.Exists(commondir) ? Followed(gitDir, File.ReadLines(commondir).FirstOrDefault()?.Trim() ?? "") : gitDir;
        }

        /// <summary>An objects folder, every link inside it, and the alternates it borrows from (recursively) must all be inside.</summary>
        public void Objects(string objects, int depth)
        {
            if (depth > MaxAlternatesDepth)
            {
                throw new LocalSourceRefusedException($"The local source '{source}' nests alternates deeper than git allows.");
            }

            if (RealPathOf(objects) is not { } real)
            {
                return;
            }

            Inside(real);
            LinksInside(new DirectoryInfo(real));
            var alternates = Path.Combine(real, "info", "alternates");
            if (!File.Exists(alternates))
            {
                return;
            }

            foreach (var line in File.ReadLines(alternates).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
            {
                Objects(Followed(real, line), depth + 1);
            }
        }

        private void LinksInside(DirectoryInfo folder)
        {
            foreach (var entry in folder.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    if (RealPathOf(entry.FullName) is { } target)
                    {
                        Inside(target);
                    }
                }
                else if (entry is DirectoryInfo child)
                {
                    LinksInside(child);
                }
            }
        }

        /// <summary>The real path of <paramref name="reference"/> (relative to <paramref name="from"/>), which must be inside.</summary>
        private string Followed(string from, string reference)
        {
            var real = RealPathOf(Path.GetFullPath(reference, from))
                ?? throw new LocalSourceRefusedException($"The local source '{source}' refers to git data that does not exist.");
            Inside(real);
            return real;
        }
    }
}

/// <summary>A local source that may not be cloned or fetched from; the message is for the user.</summary>
internal sealed class LocalSourceRefusedException(string message) : Exception(message);
