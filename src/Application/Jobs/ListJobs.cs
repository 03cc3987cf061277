using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>The caller's jobs, newest first, one page at a time, optionally of one status and of one repository.</summary>
public sealed record ListJobs(string User, JobStatus? Status, int Page, int PageSize, string? Repository = null) : IQuery<ListJobs.Response>
{
    public const int MaxPageSize = 500;

    /// <summary>The last page whose offset, (page − 1) × pageSize, still fits an int at any page size.</summary>
    public const int MaxPage = int.MaxValue / MaxPageSize;

    public const int PromptPreviewLength = 200;

    /// <summary>
    /// A job in the list: enough to choose one, with what it cost and changed (no diff is computed for it), and its
    /// place in the queue while it waits to run (0 otherwise; as <c>GET /jobs/{id}</c>).
    /// </summary>
    public sealed record Item(
        string JobId, string Repository, string Prompt, JobStatus Status, DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, int? ExitCode, string? Error, decimal? CostUsd, JobChanges? Changes,
        int Turn, decimal? TotalCostUsd, int QueuePosition);

    public sealed record Response(IReadOnlyList<Item> Jobs, int Page, int PageSize, int Total);

    public sealed class Validator : AbstractValidator<ListJobs>
    {
        public Validator()
        {
            RuleFor(x => x.Page).InclusiveBetween(1, MaxPage);
            RuleFor(x => x.PageSize).InclusiveBetween(1, MaxPageSize);
            When(x => x.Repository is not null, () => RuleFor(x => x.Repository!).MustBeARepositoryName());
        }
    }

    public sealed class Handler(IJobList jobs, IQueuePosition positions) : IQueryHandler<ListJobs, Response>
    {
        public async ValueTask<Response> Handle(ListJobs query, CancellationToken cancellationToken)
        {
            var (page, total) = await jobs.PageAsync(query.User, query.Status, query.Repository, query.Page, query.PageSize, cancellationToken);
            // The places of all the page's waiting jobs in one query, and none when no job on it waits.
            var places = page.Any(j => JobLoading.WaitsForSlot(j.Status, j.Node is not null, j.Deleted))
                ? await positions.OfUserAsync(query.User, cancellationToken)
                : new Dictionary<string, int>();
            return new Response(
                page.Select(j => new Item(
                    j.JobId, j.Repository, j.Prompt.Length > PromptPreviewLength ? j.Prompt[..PromptPreviewLength] : j.Prompt,
                    j.Status, j.CreatedAt, j.StartedAt, j.CompletedAt, j.ExitCode, j.Error, j.CostUsd, j.Changes, j.Turn, j.TotalCostUsd(),
                    places.GetValueOrDefault(j.JobId))).ToList(),
                query.Page, query.PageSize, total);
        }
    }
}
