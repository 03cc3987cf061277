using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>Reads the counts the <see cref="JobCountsSchemaObject"/> trigger keeps: a few rows per user, whatever the history.</summary>
internal sealed class MartenJobCounts(IQuerySession session) : IJobCounts
{
    public async Task<int> CountAsync(string user, JobStatus? status, CancellationToken cancellationToken)
    {
        var counts = status is { } one
            ? await session.QueryAsync<long>(
                $"select coalesce(sum(n), 0) from {JobCountsSchemaObject.Table} where \"user\" = ? and status = ?", cancellationToken, user, one.ToString())
            : await session.QueryAsync<long>(
                $"select coalesce(sum(n), 0) from {JobCountsSchemaObject.Table} where \"user\" = ?", cancellationToken, user);
        return (int)counts[0];
    }

    public async Task<int> CountAllAsync(JobStatus status, CancellationToken cancellationToken) =>
        (int)(await session.QueryAsync<long>(
            $"select coalesce(sum(n), 0) from {JobCountsSchemaObject.Table} where status = ?", cancellationToken, status.ToString()))[0];
}
