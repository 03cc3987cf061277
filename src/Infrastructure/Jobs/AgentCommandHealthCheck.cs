using System.ComponentModel;
using ClaudeBatch.Infrastructure.Processes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Whether <c>Claude:Command</c> runs, and which version it says (<c>--version</c>, as the server's account). Jobs
/// cannot run without it, so a command that is missing, not executable, failing or silent fails readiness, and so does
/// a root server that would run it as root where it refuses to (<see cref="AgentUnderRoot"/>). The answer
/// is kept for <see cref="CacheFor"/>: a probe of the load balancer never starts a program.
/// </summary>
internal sealed class AgentCommandHealthCheck(ClaudeOptions options, Impersonation.ImpersonationOptions impersonation, ProcessRunner processes) : IHealthCheck
{
    public static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim probing = new(1, 1);
    private (HealthCheckResult Result, long At)? last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await probing.WaitAsync(cancellationToken);
        try
        {
            if (last is { } cached && Environment.TickCount64 - cached.At < CacheFor.TotalMilliseconds)
            {
                return cached.Result;
            }

            var result = await ProbeAsync(cancellationToken);
            last = (result, Environment.TickCount64);
            return result;
        }
        finally
        {
            probing.Release();
        }
    }

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object> { ["command"] = options.Command };
        var named = $"Claude:Command '{options.Command}'";
        ProcessResult answer;
        try
        {
            answer = await processes.RunAsync(
                new ProcessCommand(options.Command, ["--version"]) { Timeout = VersionTimeout, OutputLimit = 4096, ErrorLimit = 4096 },
                cancellationToken);
        }
        catch (Win32Exception e)
        {
            return HealthCheckResult.Unhealthy($"{named} cannot be run ({e.Message}); jobs cannot start. Install Claude Code or set Claude:Command to its full path.", data: data);
        }

        if (answer.TimedOut)
        {
            return HealthCheckResult.Unhealthy($"{named} did not answer --version within {VersionTimeout.TotalSeconds:0} s; jobs cannot start.", data: data);
        }

        var version = answer.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        if (answer.ExitCode != 0 || version.Length == 0)
        {
            var error = answer.Error.Trim();
            var said = error.Length > 300 ? error[^300..] : error;
            return HealthCheckResult.Unhealthy($"{named} --version failed with exit code {answer.ExitCode}{(said.Length > 0 ? $": {said}" : "")}; jobs cannot start.", data: data);
        }

        data["version"] = version.Length > 200 ? version[..200] : version;
        if (AgentUnderRoot.Refusal(options, impersonation, Environment.IsPrivilegedProcess) is { } refusal)
        {
            return HealthCheckResult.Unhealthy($"{refusal} Each job fails before anything is copied.", data: data);
        }

        return HealthCheckResult.Healthy($"{named} runs: {data["version"]}.", data);
    }
}

public static class AgentCommandHealthRegistration
{
    /// <summary>Adds the <c>agent</c> check (see <see cref="AgentCommandHealthCheck"/>); it fails readiness.</summary>
    public static IHealthChecksBuilder AddAgentCommandCheck(this IHealthChecksBuilder builder, params string[] tags)
    {
        builder.Services.AddSingleton<AgentCommandHealthCheck>();
        return builder.AddCheck<AgentCommandHealthCheck>(
            "agent", tags: tags, timeout: AgentCommandHealthCheck.VersionTimeout + TimeSpan.FromSeconds(2));
    }
}
