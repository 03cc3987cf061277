using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Infrastructure.Processes;

/// <summary>
/// One program for <see cref="ProcessRunner"/> to run: an argument list, never a shell line. Without
/// <see cref="User"/> it runs as the server, with the server's environment plus <see cref="Environment"/>; with one it
/// runs as that identity through <see cref="Impersonation.UserProcesses"/> (its own session, the job's cgroup leaf
/// <see cref="Part"/>, a clean environment plus <see cref="Environment"/>).
/// </summary>
internal sealed record ProcessCommand(string Program, IReadOnlyList<string> Arguments)
{
    /// <summary>The default cap on captured stdout and stderr, in characters.</summary>
    public const int DefaultCaptureLimit = 1 << 20;

    /// <summary>Who runs it; null for the server itself, plainly.</summary>
    public RunAs? User { get; init; }

    /// <summary>The job's cgroup leaf a job process joins (<see cref="JobCgroups.Agent"/> or <see cref="JobCgroups.Steps"/>).</summary>
    public string Part { get; init; } = JobCgroups.Steps;

    /// <summary>Where it runs; required with <see cref="User"/>, the server's own folder otherwise.</summary>
    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Written to stdin, which is then closed (closed at once when null). A program that exits before reading it is not an error.</summary>
    public string? Input { get; init; }

    /// <summary>Copied to stdin (binary), which is then closed; instead of <see cref="Input"/>.</summary>
    public Stream? InputFrom { get; init; }

    /// <summary>
    /// Where stdout goes, as bytes, instead of being captured: at most <see cref="OutputLimit"/> bytes plus one (so the
    /// caller sees it went over), the rest read and dropped.
    /// </summary>
    public Stream? OutputTo { get; init; }

    /// <summary>After this the process is killed and the result says <see cref="ProcessResult.TimedOut"/>; null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Called with the process id once it runs, before any output is read; if it throws, the process is killed.</summary>
    public Func<int, Task>? Started { get; init; }

    /// <summary>Each stdout line as it comes; stdout is then not captured.</summary>
    public Func<string, Task>? OutputLine { get; init; }

    /// <summary>Each piece of stderr as it comes (it is still captured).</summary>
    public Func<ReadOnlyMemory<char>, Task>? ErrorText { get; init; }

    /// <summary>How much of stdout is captured: its first characters.</summary>
    public int OutputLimit { get; init; } = DefaultCaptureLimit;

    /// <summary>How much of stderr is captured: its last characters (where a failure is explained).</summary>
    public int ErrorLimit { get; init; } = DefaultCaptureLimit;

    /// <summary>
    /// Whether whatever the program leaves running in its process group and, for a job, its cgroup leaf is killed
    /// when it exits too (the agent: the leaf is its own, and a leftover would hold its pipes open), not only on
    /// timeout, cancellation or failure. Without it a job's leaf is left alone even then (the steps share it with the
    /// services they start).
    /// </summary>
    public bool KillLeftovers { get; init; }
}

/// <summary>How a program ended and what it said (capped, see <see cref="ProcessCommand.OutputLimit"/>).</summary>
internal sealed record ProcessResult(int ExitCode, string Output, string Error, bool TimedOut)
{
    public static ProcessResult Killed { get; } = new(-1, "", "", TimedOut: true);
}
