using ClaudeBatch.Application.Jobs;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>An advisory lock per user (see <see cref="AdvisoryLock"/>) on the starts of their jobs, across every server process.</summary>
internal sealed class PostgresStartLock(NpgsqlDataSource dataSource) : IStartLock
{
    public Task<IAsyncDisposable> HoldAsync(string user, CancellationToken cancellationToken) =>
        AdvisoryLock.AcquireAsync(dataSource, "claude-batch/starts/" + user, cancellationToken);
}
