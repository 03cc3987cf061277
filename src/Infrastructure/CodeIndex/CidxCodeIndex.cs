using System.ComponentModel;
using System.Text;
using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Containers;
using ClaudeBatch.Infrastructure.Impersonation;
using ClaudeBatch.Infrastructure.Processes;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.CodeIndex;

/// <summary>
/// The cidx adapter: every step runs in the workspace as the job's user (<see cref="UserProcesses"/>), with
/// COLUMNS=200 and <c>Cidx:Environment</c>, bounded by <c>Cidx:StepTimeoutSeconds</c>. A workspace copied from an
/// indexed master gets <c>fix-config --force</c>, then <c>start</c>, <c>index --reconcile</c> (incremental) and
/// <c>status</c>, read row by row. After the agent: <c>stop</c>, then Docker is cleared of the workspace's containers.
/// </summary>
internal sealed class CidxCodeIndex(CidxOptions options, ProcessRunner processes, CidxContainers containers, ILogger<CidxCodeIndex> logger)
    : ICodeIndex
{
    /// <summary>Where cidx keeps its configuration and index, in the folder it indexes.</summary>
    internal const string StateFolder = ".code-indexer";

    public async Task<CodeIndexResult> PrepareAsync(string workspace, RunAs identity, Func<Task> servicesStarted, CancellationToken cancellationToken)
    {
        try
        {
            if (HoldsState(workspace))
            {
                await RunAsync(workspace, identity, ["fix-config", "--force"], cancellationToken);
            }
            else
            {
                await RunAsync(workspace, identity, ["init", "--embedding-provider", options.EmbeddingProvider], cancellationToken);
            }

            await RunAsync(workspace, identity, ["start"], cancellationToken);
            await servicesStarted();
            await RunAsync(workspace, identity, ["index", "--reconcile"], cancellationToken);
            var status = CidxStatusParser.Parse(await RunAsync(workspace, identity, ["status"], cancellationToken));
            return status.Ready ? CodeIndexResult.Available : CodeIndexResult.Unavailable(status.WhyNotReady());
        }
        catch (CidxStepException e)
        {
            logger.LogWarning("Semantic indexing of {Workspace} failed: {Reason}", workspace, e.Message);
            return CodeIndexResult.Unavailable(e.Message);
        }
    }

    public async Task<CodeIndexResult> IndexMasterAsync(string master, CancellationToken cancellationToken)
    {
        // cidx runs here as the server's own account, over a tree whose content the registrant chose.
        if (ServerIndexableTree.Refusal(master) is { } refusal)
        {
            logger.LogWarning("The master {Master} is not indexed: {Reason}", master, refusal);
            return CodeIndexResult.Unavailable(refusal);
        }

        var server = ServerAccount.Identity;
        var result = await PrepareAsync(master, server, () => Task.CompletedTask, cancellationToken);
        if (await StopAsync(master, server, CancellationToken.None) is { } problem)
        {
            logger.LogWarning("Stopping the index services of {Master} left a problem: {Problem}", master, problem);
        }

        return result;
    }

    public async Task<string?> StopAsync(string workspace, RunAs identity, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (HoldsState(workspace))
        {
            try
            {
                await RunAsync(workspace, identity, ["stop"], cancellationToken);
            }
            catch (CidxStepException e)
            {
                problems.Add(e.Message);
            }
        }

        if (await containers.RemoveAsync(workspace, cancellationToken) is { } docker)
        {
            problems.Add(docker);
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    public async Task UninstallAsync(string workspace, RunAs identity, CancellationToken cancellationToken)
    {
        if (HoldsState(workspace))
        {
            try
            {
                await RunAsync(workspace, identity, ["uninstall"], cancellationToken);
            }
            catch (CidxStepException e)
            {
                logger.LogWarning("cidx uninstall in {Workspace} failed: {Reason}", workspace, e.Message);
            }
        }

        await containers.RemoveAsync(workspace, cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="folder"/> holds cidx's state folder itself, looked at by descriptor: in a workspace the
    /// name is the user's to replace, and a link there is not followed (which step runs next would tell whether a
    /// folder they cannot read exists).
    /// </summary>
    private static bool HoldsState(string folder)
    {
        var error = Files.LinuxFs.OpenDirectory(folder, out var handle);
        using (handle)
        {
            return error == 0 && Files.LinuxFs.StatEntry(handle, StateFolder, out var status) == 0 && status.Kind == Files.FileKind.Directory;
        }
    }

    /// <summary>Runs one step; its stdout, or <see cref="CidxStepException"/> saying which step failed and why.</summary>
    private async Task<string> RunAsync(string workspace, RunAs identity, string[] arguments, CancellationToken cancellationToken)
    {
        var step = $"cidx {string.Join(' ', arguments)}";
        var variables = new Dictionary<string, string>(options.Environment) { ["COLUMNS"] = "200" };
        ProcessResult run;
        try
        {
            run = await processes.RunAsync(new ProcessCommand(options.Command, arguments)
            {
                User = identity,
                WorkingDirectory = workspace,
                Environment = variables,
                Timeout = TimeSpan.FromSeconds(options.StepTimeoutSeconds),
            }, cancellationToken);
        }
        catch (Win32Exception e)
        {
            throw new CidxStepException($"{step} could not start: {e.Message}");
        }

        if (run.TimedOut)
        {
            throw new CidxStepException($"{step} did not finish within Cidx:StepTimeoutSeconds ({options.StepTimeoutSeconds} s) and was killed.");
        }

        if (run.ExitCode != 0)
        {
            // setsid/setpriv report a missing program with 127 (or 126) on stderr.
            var why = FirstFailureLine(run.Output) ?? FirstFailureLine(run.Error) ?? Tail(run.Error);
            throw new CidxStepException(run.ExitCode is 126 or 127
                ? $"{step}: cidx is not available ({Tail(run.Error)})"
                : $"{step} failed with exit code {run.ExitCode}: {why}");
        }

        return run.Output;
    }

    private static string? FirstFailureLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith('❌'));

    private static string Tail(string text)
    {
        text = text.Trim().ReplaceLineEndings(" ");
        return text.Length > 300 ? "…" + text[^300..] : text.Length == 0 ? "no output" : text;
    }

    private sealed class CidxStepException(string message) : Exception(message);
}
