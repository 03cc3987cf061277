using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using Mediator;

namespace ClaudeBatch.Application.Files;

public sealed record ListStagedFiles(string JobId, string User) : IQuery<Result<IReadOnlyList<StagedFile>>>
{
    public sealed class Handler(IEventStore store, IFileStaging staging) : IQueryHandler<ListStagedFiles, Result<IReadOnlyList<StagedFile>>>
    {
        public async ValueTask<Result<IReadOnlyList<StagedFile>>> Handle(ListStagedFiles query, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(query.JobId, query.User, cancellationToken);
            return job.IsSuccess
                ? Result<IReadOnlyList<StagedFile>>.Success(job.Value.StagedFiles.Values
                    .OrderBy(f => f.At)
                    .Select(f => StagedFile.From(f, staging.PathOf(query.JobId, f.StoredName)))
                    .ToList())
                : job.Error;
        }
    }
}
