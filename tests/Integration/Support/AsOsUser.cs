using System.Diagnostics;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>Programs run as a real OS account (<c>setpriv</c> to its uid, gid and groups), as that user would run them from a shell.</summary>
public static class AsOsUser
{
    /// <summary>Starts <paramref name="program"/> as <paramref name="user"/>, its output and errors redirected.</summary>
    public static Process Start(string user, string program, params string[] arguments)
    {
        var (uid, gid, home) = OsUsers.Describe(user);
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in (string[])[$"--reuid={uid}", $"--regid={gid}", "--init-groups", "--", program, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = home;
        start.Environment["USER"] = user;
        return Process.Start(start)!;
    }

    /// <summary>Runs <paramref name="program"/> as <paramref name="user"/> to its end.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string user, string program, params string[] arguments)
    {
        using var process = Start(user, program, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await output, await error);
    }
}
