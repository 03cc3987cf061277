using System.Text;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Infrastructure.Impersonation;
using ClaudeBatch.Infrastructure.Processes;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Runs Claude Code headless: an argument list (never a shell), the prompt on stdin, a clean environment, in the
/// job's workspace, in a process group of its own (<c>setsid</c>) and the agent leaf of the job's cgroup (when there is
/// one) so that the agent and everything it spawned can be killed together, as the job's user (see <see cref="UserProcesses"/>; run by <see cref="ProcessRunner"/>). Every stdout line goes to the job's log outside the workspace and is parsed as it comes.
/// </summary>
internal sealed class ClaudeCodeRunner(
    ClaudeOptions options, ImpersonationOptions impersonation, ProcessRunner processes, ILogger<ClaudeCodeRunner> logger)
    : IAgentRunner
{
    private const int ErrorTailBytes = 2048;

    public async Task<AgentRun> RunAsync(AgentRequest request, IAgentObserver observer, CancellationToken cancellationToken)
    {
        using var span = JobTracing.Source.StartActivity("agent run");
        span?.SetTag("cbs.job.id", request.JobId);
        Directory.CreateDirectory(Path.GetDirectoryName(request.LogPath)!);
        var command = await CommandAsync(request, cancellationToken);
        ResultLine? result = null;
        await using var log = new StreamWriter(new FileStream(request.LogPath, Files.PrivateJobFolders.AppendToLog), new UTF8Encoding(false));
        await using var errorLog = new StreamWriter(new FileStream(request.ErrorLogPath, Files.PrivateJobFolders.AppendToLog), new UTF8Encoding(false));
        var run = await processes.RunAsync(command with
        {
            Input = request.Prompt,
            Started = async pid =>
            {
                await observer.StartedAsync(pid, ProcFs.StartTicks(pid) ?? 0);
                logger.LogInformation("Agent for job {JobId} started as process {ProcessId} (user {User}, uid {Uid})",
                    request.JobId, pid, request.Identity.User, request.Identity.Uid);
            },
            OutputLine = async line =>
            {
                await log.WriteLineAsync(line);
                await log.FlushAsync();
                result = await ObserveAsync(line, observer) ?? result;
            },
            ErrorText = text => errorLog.WriteAsync(text),
            ErrorLimit = ErrorTailBytes,
            KillLeftovers = true,
        }, cancellationToken);
        span?.SetTag("process.exit.code", run.ExitCode);
        return Describe(run.ExitCode, result, run.Error);
    }

    /// <summary>Rather than each job failing with the CLI's one line: the reason and the fix belong to the server's settings.</summary>
    public string? Refusal => AgentUnderRoot.Refusal(options, impersonation, Environment.IsPrivilegedProcess);

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

    /// <summary>The job's own config folder: the job's user's (when it switches user), 0700; opened once, never through a link.</summary>
    private static void GiveConfigDirectory(string jobFolder, RunAs identity)
    {
        var error = LinuxFs.OpenDirectory(Path.Combine(jobFolder, "claude-config"), out var folder);
        using (folder)
        {
            if (error != 0)
            {
                throw LinuxFs.Failure(error, $"open {jobFolder}/claude-config");
            }

            if (identity.SwitchesUser)
            {
                LinuxFs.ChangeOwner(folder, identity.Uid, identity.Gid);
            }

            LinuxFs.ChangeMode(folder, OwnerOnly.Folder);
        }
    }

    private async Task<ProcessCommand> CommandAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var variables = new Dictionary<string, string>(options.Environment);
        if (options.ConfigDir == ClaudeOptions.ConfigPerJob)
        {
            // Kept beside the workspace for the job's lifetime, so the session can be resumed from the same place.
            var configDirectory = Path.Combine(request.JobFolder, "claude-config");
            Directory.CreateDirectory(configDirectory);
            GiveConfigDirectory(request.JobFolder, request.Identity);
            variables["CLAUDE_CONFIG_DIR"] = configDirectory;
        }

        JobTracing.Propagate(System.Diagnostics.Activity.Current, variables);

        return new ProcessCommand(options.Command, Arguments(request).ToList())
        {
            User = request.Identity,
            Part = JobCgroups.Agent,
            WorkingDirectory = request.WorkingDirectory,
            Environment = variables,
        };
    }

    private IEnumerable<string> Arguments(AgentRequest request)
    {
        yield return "-p";
        yield return "--output-format";
        yield return "stream-json";
        yield return "--verbose";
        yield return "--append-system-prompt";
        yield return request.SystemPrompt;
        if (request.ResumeSessionId is not null)
        {
            yield return "--resume";
            yield return request.ResumeSessionId;
        }
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

    /// <summary>Tells the observer what one stdout line says; the final result line, if it is one.</summary>
    private static async Task<ResultLine?> ObserveAsync(string line, IAgentObserver observer)
    {
        ResultLine? result = null;
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

        return result;
    }

    private static AgentRun Describe(int exitCode, ResultLine? result, string errorTail) => result is null
        ? new AgentRun(exitCode, false, true, null, "", null, null, null, null, errorTail)
        : new AgentRun(exitCode, true, result.IsError, result.Subtype, result.Result, result.SessionId, result.CostUsd, result.NumTurns, result.DurationMs, errorTail);
}
