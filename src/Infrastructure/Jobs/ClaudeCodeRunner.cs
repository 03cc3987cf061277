using System.Diagnostics;
using System.Text;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Runs Claude Code headless: an argument list (never a shell), the prompt on stdin, a clean environment, in the
/// job's workspace, in a process group of its own (<c>setsid</c>) so that the agent and everything it spawned can
/// be killed together. Every stdout line goes to the job's log outside the workspace and is parsed as it comes.
/// </summary>
internal sealed class ClaudeCodeRunner(ClaudeOptions options, ILogger<ClaudeCodeRunner> logger) : IAgentRunner
{
    private const int ErrorTailBytes = 2048;

    public async Task<AgentRun> RunAsync(AgentRequest request, IAgentObserver observer, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(request.LogPath)!);
        using var process = Process.Start(StartInfo(request)) ?? throw new InvalidOperationException("The agent could not be started.");
        var pid = process.Id;
        try
        {
            await observer.StartedAsync(pid, ProcFs.StartTicks(pid) ?? 0);
            logger.LogInformation("Agent for job {JobId} started as process {ProcessId}", request.JobId, pid);

            var stdout = PumpOutputAsync(process.StandardOutput, request.LogPath, observer);
            var stderr = PumpErrorsAsync(process.StandardError, request.ErrorLogPath);
            await WriteQuietlyAsync(process.StandardInput, request.Prompt);

            await process.WaitForExitAsync(cancellationToken);

            // Whatever the agent left running in its group dies with it; that also closes the pipes they held.
            KillTree(process);
            var result = await stdout;
            return Describe(process.ExitCode, result, await stderr);
        }
        catch
        {
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
    }

    public void KillLeftover(int processId, long processStartTicks)
    {
        if (ProcFs.StartTicks(processId) == processStartTicks)
        {
            logger.LogWarning("Killing process group {ProcessId} left by an interrupted job", processId);
            ProcFs.KillGroup(processId);
            ProcFs.KillProcess(processId);
        }
    }

    private ProcessStartInfo StartInfo(AgentRequest request)
    {
        var start = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = request.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments(request))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = Environment.GetEnvironmentVariable("HOME") ?? "/";
        start.Environment["USER"] = Environment.UserName;
        start.Environment["LOGNAME"] = Environment.UserName;
        start.Environment["LANG"] = "C.UTF-8";
        foreach (var (key, value) in options.Environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private IEnumerable<string> Arguments(AgentRequest request)
    {
        yield return options.Command;
        yield return "-p";
        yield return "--output-format";
        yield return "stream-json";
        yield return "--verbose";
        yield return "--append-system-prompt";
        yield return request.SystemPrompt;
        if (request.Model is not null)
        {
            yield return "--model";
            yield return request.Model;
        }

        if (request.MaxTurns is { } turns)
        {
            yield return "--max-turns";
            yield return turns.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (options.PermissionMode == "bypassPermissions")
        {
            yield return "--dangerously-skip-permissions";
        }
        else if (options.PermissionMode != "default")
        {
            yield return "--permission-mode";
            yield return options.PermissionMode;
        }
    }

    private static async Task<ResultLine?> PumpOutputAsync(StreamReader output, string logPath, IAgentObserver observer)
    {
        ResultLine? result = null;
        await using var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        while (await output.ReadLineAsync() is { } line)
        {
            await log.WriteLineAsync(line);
            await log.FlushAsync();
            foreach (var message in StreamJsonParser.Parse(line))
            {
                switch (message)
                {
                    case SessionInit init:
                        await observer.SessionStartedAsync(init.SessionId, init.Model);
                        break;
                    case ToolUse tool:
                        await observer.ToolUsedAsync(tool.Tool, tool.Summary);
                        break;
                    case ResultLine final:
                        result = final;
                        break;
                }
            }
        }

        return result;
    }

    private static async Task<string> PumpErrorsAsync(StreamReader errors, string logPath)
    {
        var tail = new StringBuilder();
        await using var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        var buffer = new char[4096];
        int read;
        while ((read = await errors.ReadAsync(buffer)) > 0)
        {
            await log.WriteAsync(buffer.AsMemory(0, read));
            tail.Append(buffer, 0, read);
            if (tail.Length > ErrorTailBytes)
            {
                tail.Remove(0, tail.Length - ErrorTailBytes);
            }
        }

        return tail.ToString();
    }

    private static async Task WriteQuietlyAsync(StreamWriter input, string prompt)
    {
        try
        {
            await input.WriteAsync(prompt);
            await input.FlushAsync();
            input.Close();
        }
        catch (IOException)
        {
            // The agent exited before reading its prompt; its exit code says what happened.
        }
    }

    private static void KillTree(Process process)
    {
        ProcFs.KillGroup(process.Id);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static AgentRun Describe(int exitCode, ResultLine? result, string errorTail) => result is null
        ? new AgentRun(exitCode, false, true, null, "", null, null, null, null, errorTail)
        : new AgentRun(exitCode, true, result.IsError, result.Subtype, result.Result, result.SessionId, result.CostUsd, result.NumTurns, result.DurationMs, errorTail);
}
