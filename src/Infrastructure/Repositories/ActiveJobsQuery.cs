using ClaudeBatch.Application.Repositories;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>Counts queued and running jobs of a repository. There are no jobs yet: the Jobs module replaces this count.</summary>
internal sealed class ActiveJobsQuery : IActiveJobs
{
    public Task<int> CountUsingAsync(string repositoryName, CancellationToken cancellationToken) => Task.FromResult(0);
}
