using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Infrastructure.Persistence;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// An advisory lock per repository name (see <see cref="AdvisoryLock"/>), taken exclusive or shared under the same key:
/// it holds across every server process.
/// </summary>
internal sealed class PostgresRepositoryLock(NpgsqlDataSource dataSource) : IRepositoryLock
{
    public Task<IAsyncDisposable> AcquireExclusiveAsync(string repositoryName, CancellationToken cancellationToken) =>
        AdvisoryLock.AcquireAsync(dataSource, "claude-batch/repository/" + repositoryName, cancellationToken);

    public Task<IAsyncDisposable> AcquireSharedAsync(string repositoryName, CancellationToken cancellationToken) =>
        AdvisoryLock.AcquireSharedAsync(dataSource, "claude-batch/repository/" + repositoryName, cancellationToken);
}
