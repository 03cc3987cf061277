namespace ClaudeBatch.Application.Repositories;

/// <summary>How many queued or running jobs use a repository (a repository in use is not removed without force).</summary>
public interface IActiveJobs
{
    Task<int> CountUsingAsync(string repositoryName, CancellationToken cancellationToken);
}
