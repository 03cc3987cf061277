using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Application.Jobs;

/// <summary>A job as the API shows it (DESIGN.md §1), with its place in the queue.</summary>
public sealed record JobDetails(
    string JobId,
    string User,
    string Repository,
    string Prompt,
    string? ResolvedPrompt,
    IReadOnlyList<string> Images,
    JobStatus Status,
    string? Output,
    int? ExitCode,
    string CowPath,
    int QueuePosition,
    GitStatus GitStatus,
    CidxStatus CidxStatus,
    string? CidxError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    string? SessionId,
    decimal? CostUsd,
    int? NumTurns,
    long? DurationMs,
    int ToolUses,
    string? CommitHash,
    string? WorkspaceStrategy,
    string? Error,
    JobOptions Options,
    string? BaseCommit,
    JobChanges? Changes,
    int Turn,
    IReadOnlyList<JobTurn> Turns,
    decimal? TotalCostUsd)
{
    public static JobDetails From(JobView v, int queuePosition) => new(
        v.JobId, v.User, v.Repository, v.Prompt, v.ResolvedPrompt, v.Images, v.Status, v.Output, v.ExitCode, v.CowPath, queuePosition,
        v.GitStatus, v.CidxStatus, v.CidxError, v.CreatedAt, v.QueuedAt, v.StartedAt, v.CompletedAt, v.SessionId, v.CostUsd,
        v.NumTurns, v.DurationMs, v.ToolUses, v.CommitHash, v.WorkspaceStrategy, v.Error, v.Options, v.BaseCommit, v.Changes,
        v.Turn, v.AllTurns(), v.TotalCostUsd());
}
