using System.Text;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Where this process's control groups are on disk, read from <c>/proc/self/mountinfo</c> and <c>/proc/self/cgroup</c>:
/// its cgroup v2 folder (under <c>/sys/fs/cgroup</c>, or <c>/sys/fs/cgroup/unified</c> on a hybrid host), and the
/// folder of a v1 controller hierarchy (e.g. <c>/sys/fs/cgroup/pids/…</c>). A mount that shows only part of the tree
/// (its root is not <c>/</c>, as in a container without a cgroup namespace) is taken into account.
/// </summary>
internal sealed class CgroupMounts
{
    private readonly List<Mount> mounts;
    private readonly List<(string Controllers, string Path)> memberships;

    public CgroupMounts(string mountinfo, string cgroup)
    {
        mounts = ParseMounts(mountinfo);
        memberships = cgroup.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3))
            .Where(fields => fields.Length == 3)
            .Select(fields => (fields[1], fields[2]))
            .ToList();
    }

    public static CgroupMounts OfThisProcess() =>
        new(File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/cgroup"));

    /// <summary>This process's cgroup v2 folder, or null without a cgroup2 mount that shows it.</summary>
    public string? V2Folder()
    {
        var path = memberships.FirstOrDefault(m => m.Controllers.Length == 0).Path;
        return path is null ? null : FolderIn(mounts.Where(m => m.Type == "cgroup2"), path);
    }

    /// <summary>This process's folder in the v1 hierarchy that has <paramref name="controller"/>, or null.</summary>
    public string? V1Folder(string controller)
    {
        var path = memberships.FirstOrDefault(m => m.Controllers.Split(',').Contains(controller)).Path;
        return path is null ? null : FolderIn(mounts.Where(m => m.Type == "cgroup" && m.Options.Contains(controller)), path);
    }

    private static string? FolderIn(IEnumerable<Mount> candidates, string path)
    {
        foreach (var mount in candidates)
        {
            var root = mount.Root.TrimEnd('/');
            if (path == mount.Root || path == root)
            {
                return mount.Point;
            }

            if (path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return mount.Point.TrimEnd('/') + path[root.Length..];
            }
        }

        return null;
    }

    private static List<Mount> ParseMounts(string mountinfo)
    {
        var result = new List<Mount>();
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // id parent major:minor root point options [optional fields…] - type source super-options
            var halves = line.Split(" - ", 2);
            if (halves.Length != 2)
            {
                continue;
            }

            var before = halves[0].Split(' ');
            var after = halves[1].Split(' ');
            if (before.Length < 5 || after.Length < 3)
            {
                continue;
            }

            result.Add(new Mount(Unescape(before[3]), Unescape(before[4]), after[0], after[2].Split(',')));
        }

        return result;
    }

    /// <summary>mountinfo writes space, tab, newline and backslash in paths as octal escapes (<c>\040</c>).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field[(i + 1)..(i + 4)].All(c => c is >= '0' and <= '7'))
            {
                text.Append((char)Convert.ToInt32(field[(i + 1)..(i + 4)], 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private sealed record Mount(string Root, string Point, string Type, string[] Options);
}
