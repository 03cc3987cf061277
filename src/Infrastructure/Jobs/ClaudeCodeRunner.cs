using System.Diagnostics;
using System.Text;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Impersonation;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Runs Claude Code headless: an argument list (never a shell), the prompt on stdin, a clean environment, in the
/// job's workspace, in a process group of its own (<c>setsid</c>) and the agent leaf of the job's cgroup (when there is
/// one) so that the agent and everything it spawned can be killed together, as the job's user (see <see cref="UserProcesses"/>). Every stdout line goes to the job's log outside the workspace and is parsed as it comes.
/// </summary>
internal sealed class ClaudeCodeRunner(ClaudeOptions options, UserProcesses processes, JobCgroups cgroups, ILogger<ClaudeCodeRunner> logger)
    : IAgentRunner
{
    private const int ErrorTailBytes = 2048;

    public async Task<AgentRun> RunAsync(AgentRequest request, IAgentObserver observer, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(request.LogPath)!);
        using var process = await ProcessSpawner.StartAsync(await StartInfoAsync(request, cancellationToken));
        var pid = process.Id;
        try
        {
            await observer.StartedAsync(pid, ProcFs.StartTicks(pid) ?? 0);
            logger.LogInformation("Agent for job {JobId} started as process {ProcessId} (user {User}, uid {Uid})",
                request.JobId, pid, request.Identity.User, request.Identity.Uid);

            var stdout = PumpOutputAsync(process.StandardOutput, request.LogPath, observer);
            var stderr = PumpErrorsAsync(process.StandardError, request.ErrorLogPath);
            await WriteQuietlyAsync(process.StandardInput, request.Prompt);

            await process.WaitForExitAsync(cancellationToken);

            // Whatever the agent left running in its group, or anywhere in its cgroup (a daemon that left the session),
            // dies with it; that also closes the pipes they held, which would otherwise keep the job open. (Not a walk
            // of the process tree: the agent is reaped, so what it spawned now has another parent, and the walk reads
            // every process in /proc — once the biggest CPU cost of an instant job.)
            ProcFs.KillGroup(pid);
            await KillContainedAsync(request);
            var result = await stdout;
            return Describe(process.ExitCode, result, await stderr);
        }
        catch
        {
            KillTree(process);
            await KillContainedAsync(request);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }
    }

    private Task KillContainedAsync(AgentRequest request) =>
        request.Identity.JobId is { } jobId ? cgroups.KillAsync(jobId, JobCgroups.Agent) : Task.CompletedTask;

    public void KillLeftover(int processId, long processStartTicks)
    {
        var leaderAlive = ProcFs.StartTicks(processId) == processStartTicks;
        // The agent itself died with the server (parent-death signal); what it spawned may still run in its session.
        if (leaderAlive || (ProcFs.StartTicks(processId) is null && ProcFs.SessionHasMembers(processId, processStartTicks)))
        {
            logger.LogWarning("Killing process group {ProcessId} left by an interrupted job", processId);
            ProcFs.KillGroup(processId);
            if (leaderAlive)
            {
                ProcFs.KillProcess(processId);
            }
        }
    }

    private async Task<ProcessStartInfo> StartInfoAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>(options.Environment);
        if (options.ConfigDir == ClaudeOptions.ConfigPerJob)
        {
            // Kept beside the workspace for the job's lifetime, so the session can be resumed from the same place.
            var configDirectory = Path.Combine(request.JobFolder, "claude-config");
            Directory.CreateDirectory(configDirectory);
            if (request.Identity.SwitchesUser)
            {
                await ProcessRunner.RunCheckedAsync("chown", ["-h", $"{request.Identity.Uid}:{request.Identity.Gid}", "--", configDirectory], cancellationToken);
            }

            OwnerOnly.Restrict(configDirectory);
            variables["CLAUDE_CONFIG_DIR"] = configDirectory;
        }

        return processes.StartInfo(request.Identity, options.Command, Arguments(request), request.WorkingDirectory, variables, JobCgroups.Agent);
    }

    private IEnumerable<string> Arguments(AgentRequest request)
    {
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
        await using var log = new StreamWriter(new FileStream(logPath, Files.PrivateJobFolders.AppendToLog), new UTF8Encoding(false));
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
                    case AssistantText text:
                        await observer.SaidAsync(text.Text);
                        break;
                    case ToolResult returned:
                        await observer.ToolReturnedAsync(returned.IsError, returned.Summary);
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
        await using var log = new StreamWriter(new FileStream(logPath, Files.PrivateJobFolders.AppendToLog), new UTF8Encoding(false));
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
