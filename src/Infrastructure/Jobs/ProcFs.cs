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

    /// <summary>SIGKILL to every process in the group led by <paramref name="pgid"/>.</summary>
    public static void KillGroup(int pgid) => _ = Kill(-pgid, SigKill);

    public static void KillProcess(int pid) => _ = Kill(pid, SigKill);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
