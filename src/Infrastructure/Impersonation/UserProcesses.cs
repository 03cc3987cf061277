using System.Diagnostics;
using System.Globalization;
using System.Text;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Infrastructure.Impersonation;

/// <summary>
/// Builds the command line that runs a program as a job's user: in a session of its own (<c>setsid</c>, so the
/// whole group can be killed), switched to the user's uid, gid and groups (<c>setpriv</c>, or <c>sudo</c> for a
/// non-root server), with no way to gain privileges back, a parent-death signal, and a clean environment: PATH,
/// HOME, USER, LOGNAME, SHELL, LANG and the variables given. Arguments are a list, never a shell line. A process of a
/// contained job (<see cref="RunAs.JobId"/>) first joins the job's cgroup, still as the server, so that nothing it
/// execs, as the user, ever runs outside it.
/// </summary>
internal sealed class UserProcesses(ImpersonationOptions options, JobCgroups cgroups)
{
    /// <summary>
    /// Writes its own pid into each file named before <c>--</c>, then execs what follows: a fixed script, every path and
    /// argument passed as data. A failed write stops it (exit 125) before anything of the job runs.
    /// </summary>
    private const string JoinThenExec =
        "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift; done; shift; exec \"$@\"";

    /// <summary>setsid as the server finds it (the script's own PATH is the job's).</summary>
    private static readonly string Setsid =
        (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, "setsid"))
        .FirstOrDefault(File.Exists) ?? "setsid";

    public string Mode => options.EffectiveMode;

    /// <param name="part">The job's cgroup leaf: <see cref="JobCgroups.Agent"/> for the agent, <see cref="JobCgroups.Steps"/> for the rest.</param>
    public ProcessStartInfo StartInfo(RunAs identity, string command, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> variables, string part = JobCgroups.Steps)
    {
        var join = identity.JobId is { } jobId ? cgroups.JoinFiles(jobId, part) : [];
        var start = new ProcessStartInfo(join.Count == 0 ? "setsid" : "/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };

        var environment = Environment(identity, variables);
        var argv = new List<string>();
        if (join.Count > 0)
        {
            argv.AddRange(["-c", JoinThenExec, "claude-batch-join", .. join, "--", Setsid]);
        }

        switch (identity.SwitchesUser ? Mode : ImpersonationOptions.None)
        {
            case ImpersonationOptions.None:
                argv.AddRange(["setpriv", "--pdeathsig", "KILL", "--"]);
                break;
            case ImpersonationOptions.Sudo:
                // sudo resets the environment; env -i sets exactly ours. (sudo is set-uid, so no parent-death signal:
                // the restart cleanup kills what a crashed server left.)
                argv.AddRange(["sudo", "-n", "-u", $"#{identity.Uid}", "--", "/usr/bin/env", "-i"]);
                argv.AddRange(environment.Select(v => $"{v.Key}={v.Value}"));
                break;
            default:
                argv.AddRange([
                    "setpriv", $"--reuid={identity.Uid}", $"--regid={identity.Gid}",
                    identity.Groups.Count == 0 ? "--clear-groups" : $"--groups={string.Join(',', identity.Groups.Select(g => g.ToString(CultureInfo.InvariantCulture)))}",
                    "--no-new-privs", "--pdeathsig", "KILL", "--",
                ]);
                break;
        }

        argv.Add(command);
        argv.AddRange(arguments);
        foreach (var argument in argv)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private Dictionary<string, string> Environment(RunAs identity, IReadOnlyDictionary<string, string> variables)
    {
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = identity.SwitchesUser ? options.Path : System.Environment.GetEnvironmentVariable("PATH") ?? options.Path,
            ["HOME"] = identity.Home,
            ["USER"] = identity.User,
            ["LOGNAME"] = identity.User,
            ["SHELL"] = File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh",
            ["LANG"] = "C.UTF-8",
        };
        foreach (var (key, value) in variables)
        {
            environment[key] = value;
        }

        return environment;
    }
}
