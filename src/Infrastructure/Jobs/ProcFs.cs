using System.Globalization;
using System.Runtime.InteropServices;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>Linux process facts and signals: identity by (pid, start time) so a reused pid is never killed by mistake.</summary>
internal static partial class ProcFs
{
    private const int SigKill = 9;

    /// <summary>The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null if it is gone.</summary>
    public static long? StartTicks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether some process still belongs to the session <paramref name="sid"/> that a process started at
    /// <paramref name="startTicks"/> created. The kernel never hands out a pid that is still in use as a session or
    /// group id, so once the leader is gone, members started after it can only be its own descendants.
    /// </summary>
    public static bool SessionHasMembers(int sid, long startTicks)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } stat
                && stat.Session == sid && stat.StartTicks >= startTicks)
            {
                return true;
            }
        }

        return false;
    }

    private static (int Group, int Session, long StartTicks)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture),
                long.Parse(fields[19], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL to every process in the group led by <paramref name="pgid"/>.</summary>
    public static void KillGroup(int pgid) => _ = Kill(-pgid, SigKill);

    public static void KillProcess(int pid) => _ = Kill(pid, SigKill);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
