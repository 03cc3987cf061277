using System.Diagnostics;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// Real operating-system accounts for the impersonation tests. <c>scripts/test.sh</c> creates them (and removes them
/// afterwards); when the tests run on their own they are created here, as root, the same way.
/// </summary>
public static class OsUsers
{
    public const string Alice = "cbtest-alice";
    public const string Bob = "cbtest-bob";

    /// <summary>A system account (uid below Impersonation:MinUid).</summary>
    public const string System = "cbtest-sys";

    private static readonly object Gate = new();

    /// <summary>The account's passwd line, creating the account (with a home folder) if it does not exist.</summary>
    public static string Ensure(string name)
    {
        lock (Gate)
        {
            if (PasswdLine(name) is { } line)
            {
                return line;
            }

            var arguments = name == System ? new[] { "--system", "--create-home", name } : ["--create-home", "--shell", "/bin/bash", name];
            Run("useradd", arguments);
            return PasswdLine(name) ?? throw new InvalidOperationException($"useradd did not create {name}");
        }
    }

    public static (int Uid, int Gid, string Home) Describe(string name)
    {
        var fields = Ensure(name).Split(':');
        return (int.Parse(fields[2]), int.Parse(fields[3]), fields[5]);
    }

    /// <summary>Who owns <paramref name="path"/> (not following a last link), as <c>stat</c> says.</summary>
    public static int OwnerUid(string path)
    {
        var start = new ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? int.Parse(output.Trim()) : throw new InvalidOperationException($"stat {path} failed");
    }

    private static string? PasswdLine(string name) =>
        File.ReadLines("/etc/passwd").FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));

    private static void Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {error}");
        }
    }
}
