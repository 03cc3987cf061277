using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>The caller's jobs, newest first, one page at a time, optionally of one status.</summary>
public sealed record ListJobs(string User, JobStatus? Status, int Page, int PageSize) : IQuery<ListJobs.Response>
{
    public const int MaxPageSize = 500;

    /// <summary>The last page whose offset, (page − 1) × pageSize, still fits an int at any page size.</summary>
    public const int MaxPage = int.MaxValue / MaxPageSize;

    public const int PromptPreviewLength = 200;

    /// <summary>
    /// From this many jobs into the list on, a page's ids are read off the index alone and then only its own jobs are
    /// loaded: skipping a job costs ~1.5 µs read whole and ~0.1 µs in the index, against ~0.7 ms for the second query
    /// (bench/README.md, api.sh).
    /// </summary>
    public const int DeepPageFrom = 500;

    public sealed record Item(
        string JobId, string Repository, string Prompt, JobStatus Status, DateTimeOffset CreatedAt,
        DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, int? ExitCode, string? Error);

    public sealed record Response(IReadOnlyList<Item> Jobs, int Page, int PageSize, int Total);

    public sealed class Validator : AbstractValidator<ListJobs>
    {
        public Validator()
        {
            RuleFor(x => x.Page).InclusiveBetween(1, MaxPage);
            RuleFor(x => x.PageSize).InclusiveBetween(1, MaxPageSize);
        }
    }

    public sealed class Handler(IReadModels readModels, IJobCounts counts) : IQueryHandler<ListJobs, Response>
    {
        public async ValueTask<Response> Handle(ListJobs query, CancellationToken cancellationToken)
        {
            IQueryable<JobView> Mine(IQueryable<JobView> jobs) =>
                (query.Status is { } status
                    ? jobs.Where(j => j.User == query.User && !j.Deleted && j.Status == status)
                    : jobs.Where(j => j.User == query.User && !j.Deleted))
                .OrderByDescending(j => j.CreatedAt)
                .Skip((query.Page - 1) * query.PageSize)
                .Take(query.PageSize);

            IReadOnlyList<JobView> page;
            if ((long)(query.Page - 1) * query.PageSize < DeepPageFrom)
            {
                page = await readModels.QueryAsync<JobView>(Mine, cancellationToken);
            }
            else
            {
                var ids = await readModels.SelectAsync<JobView, string>(jobs => Mine(jobs).Select(j => j.Id), cancellationToken);
                var views = (await readModels.LoadManyAsync<JobView>(ids, cancellationToken)).ToDictionary(j => j.Id);
                page = ids.Select(views.GetValueOrDefault).OfType<JobView>().Where(j => !j.Deleted).ToList();
            }

            var total = await counts.CountAsync(query.User, query.Status, cancellationToken);
            return new Response(
                page.Select(j => new Item(
                    j.JobId, j.Repository, j.Prompt.Length > PromptPreviewLength ? j.Prompt[..PromptPreviewLength] : j.Prompt,
                    j.Status, j.CreatedAt, j.StartedAt, j.CompletedAt, j.ExitCode, j.Error)).ToList(),
                query.Page, query.PageSize, total);
        }
    }
}
