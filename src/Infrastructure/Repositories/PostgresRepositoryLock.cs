using System.Security.Cryptography;
using System.Text;
using ClaudeBatch.Application.Repositories;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// A session-level PostgreSQL advisory lock per repository name, held on a dedicated connection: it excludes every
/// server process that shares the database, and a crashed holder releases it when its connection drops.
/// </summary>
internal sealed class PostgresRepositoryLock(NpgsqlDataSource dataSource) : IRepositoryLock
{
    public async Task<IAsyncDisposable> AcquireAsync(string repositoryName, CancellationToken cancellationToken)
    {
        var key = KeyFor(repositoryName);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new() { Value = key } } };
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new Held(connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static long KeyFor(string repositoryName) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("claude-batch/repository/" + repositoryName)), 0);

    private sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = key } } };
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
