namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// What the tests need to know about this machine's control groups, read independently of the server: where cgroup v2
/// is mounted, which cgroup a process is in, and whether a cgroup can be made under this process's own.
/// </summary>
public static class HostCgroups
{
    /// <summary>The first cgroup2 mount point in /proc/self/mountinfo (e.g. /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host).</summary>
    public static string? V2Mount =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(" - ", 2))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith("cgroup2 ", StringComparison.Ordinal))
            .Select(parts => parts[0].Split(' ')[4])
            .FirstOrDefault();

    /// <summary>The cgroup v2 folder a live process is in, or null once it is gone (or without cgroup v2).</summary>
    public static string? V2FolderOf(int pid)
    {
        try
        {
            var path = File.ReadLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
            return path is null || V2Mount is not { } mount ? null : mount + (path == "/" ? "" : path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The v1 hierarchy folder of a controller a live process is in (e.g. "pids"), or null.</summary>
    public static string? V1FolderOf(int pid, string controller)
    {
        var mount = File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(" - ", 2))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith("cgroup ", StringComparison.Ordinal)
                && parts[1].Split(' ')[2].Split(',').Contains(controller))
            .Select(parts => parts[0].Split(' ')[4])
            .FirstOrDefault();
        var line = File.ReadLines($"/proc/{pid}/cgroup")
            .Select(l => l.Split(':', 3))
            .FirstOrDefault(f => f.Length == 3 && f[1].Split(',').Contains(controller));
        return mount is null || line is null ? null : mount + (line[2] == "/" ? "" : line[2]);
    }

    /// <summary>Whether this process may make (and remove) a cgroup v2 under its own cgroup, as the server would.</summary>
    public static bool V2Writable()
    {
        if (V2FolderOf(Environment.ProcessId) is not { } own)
        {
            return false;
        }

        var probe = Path.Combine(own, "cbtest-probe-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(probe);
            var killable = File.Exists(Path.Combine(probe, "cgroup.kill"));
            Directory.Delete(probe);
            return killable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
