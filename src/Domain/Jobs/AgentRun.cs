namespace ClaudeBatch.Domain.Jobs;

/// <summary>How an agent process ended: its exit code and, if it printed one, its final result line.</summary>
public sealed record AgentRun(
    int ExitCode,
    bool HasResult,
    bool IsError,
    string? Subtype,
    string Output,
    string? SessionId,
    decimal? CostUsd,
    int? NumTurns,
    long? DurationMs,
    string? ErrorTail)
{
    public AgentResult ToResult() => new(Output, SessionId, CostUsd, NumTurns, DurationMs, ExitCode);

    /// <summary>
    /// Completed only when the process exited 0 and its result says no error; anything else is a failure with the
    /// most specific reason available (the CLI reports API errors as <c>subtype: success</c> with <c>is_error</c>).
    /// </summary>
    public object Verdict(string jobId, DateTimeOffset now)
    {
        if (HasResult && ExitCode == 0 && !IsError)
        {
            return new JobCompleted(jobId, ToResult(), now);
        }

        var reason = (HasResult, Subtype) switch
        {
            (false, _) => $"The agent exited with code {ExitCode} without a result." + Tail(),
            (true, "error_max_turns") => $"The agent reached its turn limit ({NumTurns} turns) before finishing.",
            (true, _) when IsError && Output.Length > 0 => $"The agent reported an error: {Output}",
            (true, _) when ExitCode != 0 => $"The agent exited with code {ExitCode}." + Tail(),
            _ => $"The agent ended with '{Subtype}'.",
        };
        return new JobFailed(jobId, reason, ToResult(), now);
    }

    private string Tail() => string.IsNullOrWhiteSpace(ErrorTail) ? "" : $" Its last error output: {ErrorTail.Trim()}";
}
