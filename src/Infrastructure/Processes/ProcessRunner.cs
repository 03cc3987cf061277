using System.Diagnostics;
using System.Text;
using ClaudeBatch.Infrastructure.Impersonation;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Infrastructure.Processes;

/// <summary>
/// The one way the server runs a program (<see cref="ProcessCommand"/>): started from the spawner thread
/// (<see cref="ProcessSpawner"/>), its stdin written and closed, stdout and stderr read as they come (streamed or
/// captured up to a cap), bounded by a timeout and the caller's cancellation. On timeout, cancellation or a failure
/// while it runs, the process, its process group (a job process leads a session of its own), every descendant and,
/// with <see cref="ProcessCommand.KillLeftovers"/>, its job's cgroup leaf are killed, and the process is reaped before
/// this returns or throws.
/// </summary>
internal sealed class ProcessRunner(UserProcesses users, JobCgroups cgroups)
{
    private static readonly TimeSpan AbandonWait = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="command"/>; a program that cannot start throws <see cref="System.ComponentModel.Win32Exception"/>.</summary>
    public Task<ProcessResult> RunAsync(ProcessCommand command, CancellationToken cancellationToken)
    {
        if (command.User is not { } identity)
        {
            return RunAsync(ServerStartInfo(command), command, null, cancellationToken);
        }

        var workingDirectory = command.WorkingDirectory
            ?? throw new ArgumentException("A program run as a user needs a working directory.", nameof(command));
        var start = users.StartInfo(identity, command.Program, command.Arguments, workingDirectory, command.Environment, command.Part);
        Func<Task>? killLeaf = command.KillLeftovers && identity.JobId is { } jobId ? () => cgroups.KillAsync(jobId, command.Part) : null;
        return RunAsync(start, command, killLeaf, cancellationToken);
    }

    /// <summary>
    /// A short helper command of the server's (cp, btrfs, chown, …); its stdout, or <see cref="IOException"/> with its
    /// stderr when it exits with anything but 0.
    /// </summary>
    public static async Task<string> RunCheckedAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var command = new ProcessCommand(program, arguments.ToList());
        var result = await RunAsync(ServerStartInfo(command), command, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new IOException($"{program} failed with exit code {result.ExitCode}: {result.Error.Trim()}");
        }

        return result.Output;
    }

    private static ProcessStartInfo ServerStartInfo(ProcessCommand command)
    {
        if (command.User is not null)
        {
            throw new ArgumentException("A program run as a user needs the runner's identity mechanism.", nameof(command));
        }

        var start = new ProcessStartInfo(command.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        if (command.WorkingDirectory is not null)
        {
            start.WorkingDirectory = command.WorkingDirectory;
        }

        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in command.Environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static async Task<ProcessResult> RunAsync(ProcessStartInfo start, ProcessCommand command, Func<Task>? killLeaf, CancellationToken cancellationToken)
    {
        using var process = await ProcessSpawner.StartAsync(start);
        var pid = process.Id;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (command.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        // Ends the reading of output abandoned on failure: no callback runs once this returns or throws.
        using var abandon = new CancellationTokenSource();
        Task<string>? output = null;
        Task<string>? error = null;
        try
        {
            if (command.Started is { } started)
            {
                await started(pid);
            }

            output = command.OutputTo is { } to ? CopyHeadAsync(process.StandardOutput.BaseStream, to, command.OutputLimit + 1L, abandon.Token)
                : command.OutputLine is { } onLine ? StreamLinesAsync(process.StandardOutput, onLine, abandon.Token)
                : CaptureHeadAsync(process.StandardOutput, command.OutputLimit, abandon.Token);
            error = CaptureTailAsync(process.StandardError, command.ErrorLimit, command.ErrorText, abandon.Token);
            await WriteQuietlyAsync(process.StandardInput, command.Input, command.InputFrom);
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e)
        {
            KillTree(process);
            if (killLeaf is not null)
            {
                await killLeaf();
            }

            await process.WaitForExitAsync(CancellationToken.None);
            await AbandonAsync(abandon, output, error);
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
            {
                return ProcessResult.Killed;
            }

            throw;
        }

        if (command.KillLeftovers)
        {
            // Whatever it left running in its group, or anywhere in its cgroup leaf (a daemon that left the session),
            // dies with it; that also closes the pipes they held, which would otherwise keep the output open. (Not a
            // walk of the process tree: the process is reaped, so what it spawned now has another parent, and the walk
            // reads every process in /proc.)
            ProcFs.KillGroup(pid);
            if (killLeaf is not null)
            {
                await killLeaf();
            }
        }

        return new ProcessResult(process.ExitCode, await output, await error, TimedOut: false);
    }

    /// <summary>
    /// SIGKILL to the process and its descendants (walked while the process still holds them, so one that left the
    /// group with setsid is found), then to its group (it leads one when started through setsid; otherwise no group has
    /// its id), which reaches members the walk missed.
    /// </summary>
    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or AggregateException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or not ours to kill (sudo mode): the group signal does what can be done.
        }

        ProcFs.KillGroup(process.Id);
    }

    /// <summary>
    /// Stops reading (a process outside the group may still hold the pipes) and waits, a bounded time, for a callback
    /// under way. A pump's own failure (cancelled, or a callback failed) is not reported: the run has failed already.
    /// </summary>
    private static async Task AbandonAsync(CancellationTokenSource abandon, params Task?[] pumps)
    {
        await abandon.CancelAsync();
        var reading = Task.WhenAll(pumps.OfType<Task>());
        await Task.WhenAny(reading, Task.Delay(AbandonWait));
        _ = reading.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static async Task WriteQuietlyAsync(StreamWriter input, string? text, Stream? bytes)
    {
        try
        {
            if (text is not null)
            {
                await input.WriteAsync(text);
                await input.FlushAsync();
            }

            if (bytes is not null)
            {
                await bytes.CopyToAsync(input.BaseStream);
                await input.BaseStream.FlushAsync();
            }

            input.Close();
        }
        catch (IOException)
        {
            // It exited before reading its input; its exit code says what happened.
        }
    }

    private static async Task<string> StreamLinesAsync(StreamReader output, Func<string, Task> onLine, CancellationToken abandon)
    {
        while (await output.ReadLineAsync(abandon) is { } line)
        {
            await onLine(line);
        }

        return "";
    }

    private static async Task<string> CopyHeadAsync(Stream output, Stream to, long limit, CancellationToken abandon)
    {
        var buffer = new byte[81920];
        long copied = 0;
        int read;
        while ((read = await output.ReadAsync(buffer, abandon)) > 0)
        {
            // Read to the end even past the cap, so the program never blocks on a full pipe.
            var keep = (int)Math.Min(read, Math.Max(0, limit - copied));
            if (keep > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, keep), abandon);
                copied += keep;
            }
        }

        return "";
    }

    private static async Task<string> CaptureHeadAsync(StreamReader output, int limit, CancellationToken abandon)
    {
        var head = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await output.ReadAsync(buffer, abandon)) > 0)
        {
            // Read to the end even past the cap, so the program never blocks on a full pipe.
            head.Append(buffer, 0, Math.Min(read, Math.Max(0, limit - head.Length)));
        }

        return head.ToString();
    }

    private static async Task<string> CaptureTailAsync(StreamReader errors, int limit, Func<ReadOnlyMemory<char>, Task>? onText, CancellationToken abandon)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await errors.ReadAsync(buffer, abandon)) > 0)
        {
            if (onText is not null)
            {
                await onText(buffer.AsMemory(0, read));
            }

            tail.Append(buffer, 0, read);
            if (tail.Length > limit)
            {
                tail.Remove(0, tail.Length - limit);
            }
        }

        return tail.ToString();
    }
}
