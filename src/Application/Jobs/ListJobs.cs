using System.Text;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The caller's jobs, newest first, one page at a time, optionally of one status and of one repository: the page as
/// the UTF-8 JSON of a <see cref="Response"/>, written by the store from the stored views (<see cref="IJobListJson"/>)
/// without materializing the jobs, with the revision it shows. <see cref="Item.Of"/> is the same mapping in C#.
/// </summary>
public sealed record ListJobs(string User, JobStatus? Status, int Page, int PageSize, string? Repository = null) : IQuery<JobListPage>
{
    /// <summary>The user's revision of their jobs, when the caller has just read it (<see cref="GetJobListRevision"/>).</summary>
    public GetJobListRevision.Response? Current { get; init; }

    public const int MaxPageSize = 500;

    /// <summary>The last page whose offset, (page − 1) × pageSize, still fits an int at any page size.</summary>
    public const int MaxPage = int.MaxValue / MaxPageSize;

    /// <summary>
    /// How much of the prompt an item shows: this many Unicode characters (code points, as PostgreSQL's <c>left</c>
    /// counts them in a UTF-8 database), so a surrogate pair is never cut in half (see <see cref="PromptPreview"/>).
    /// </summary>
    public const int PromptPreviewLength = 200;

    /// <summary>
    /// A job in the list: enough to choose one, with what it cost and changed (no diff is computed for it), and its
    /// place in the queue while it waits to run (0 otherwise; as <c>GET /jobs/{id}</c>).
    /// </summary>
    public sealed record Item(
        string JobId, string Repository, string Prompt, JobStatus Status, DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, int? ExitCode, string? Error, decimal? CostUsd, JobChanges? Changes,
        int Turn, decimal? TotalCostUsd, int QueuePosition)
    {
        /// <summary>The item of a stored view: what the store's JSON of a page (<see cref="IJobListJson"/>) must equal.</summary>
        public static Item Of(JobView job, int queuePosition) => new(
            job.JobId, job.Repository, PromptPreview(job.Prompt), job.Status, job.CreatedAt, job.StartedAt, job.CompletedAt,
            job.ExitCode, job.Error, job.CostUsd, job.Changes, job.Turn, job.TotalCostUsd(), queuePosition);
    }

    public sealed record Response(IReadOnlyList<Item> Jobs, int Page, int PageSize, int Total);

    /// <summary>The first <see cref="PromptPreviewLength"/> code points of <paramref name="prompt"/>.</summary>
    public static string PromptPreview(string prompt)
    {
        if (prompt.Length <= PromptPreviewLength)
        {
            return prompt;
        }

        var end = 0;
        for (var characters = 0; characters < PromptPreviewLength && end < prompt.Length; characters++)
        {
            end += Rune.TryGetRuneAt(prompt, end, out var rune) ? rune.Utf16SequenceLength : 1;
        }

        return prompt[..end];
    }

    public sealed class Validator : AbstractValidator<ListJobs>
    {
        public Validator()
        {
            RuleFor(x => x.Page).InclusiveBetween(1, MaxPage);
            RuleFor(x => x.PageSize).InclusiveBetween(1, MaxPageSize);
            When(x => x.Repository is not null, () => RuleFor(x => x.Repository!).MustBeARepositoryName());
        }
    }

    public sealed class Handler(IJobListJson pages) : IQueryHandler<ListJobs, JobListPage>
    {
        public async ValueTask<JobListPage> Handle(ListJobs query, CancellationToken cancellationToken) =>
            await pages.ReadAsync(query, cancellationToken);
    }
}
