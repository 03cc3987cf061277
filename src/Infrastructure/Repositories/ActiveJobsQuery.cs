using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>Counts the queued and running jobs of a repository from the job views.</summary>
internal sealed class ActiveJobsQuery(IQuerySession session) : IActiveJobs
{
    public Task<int> CountUsingAsync(string repositoryName, CancellationToken cancellationToken) =>
        session.Query<JobView>()
            .Where(j => j.Repository == repositoryName && !j.Deleted && JobStatuses.Active.Contains(j.Status))
            .CountAsync(cancellationToken);
}
