using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>Counts the queued and running jobs of a repository from the job views.</summary>
internal sealed class ActiveJobsQuery(IReadModels readModels) : IActiveJobs
{
    public Task<int> CountUsingAsync(string repositoryName, CancellationToken cancellationToken) =>
        readModels.CountAsync<JobView>(
            jobs => jobs.Where(j => j.Repository == repositoryName && !j.Deleted && JobStatuses.Active.Contains(j.Status)),
            cancellationToken);
}
