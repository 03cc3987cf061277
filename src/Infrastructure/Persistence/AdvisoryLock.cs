using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// A session-level PostgreSQL advisory lock on a name, held on a dedicated connection: it excludes every server process
/// that shares the database, and a crashed holder releases it when its connection drops.
/// </summary>
internal static class AdvisoryLock
{
    public static Task<IAsyncDisposable> AcquireAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken) =>
        AcquireAsync(dataSource, name, shared: false, cancellationToken);

    /// <summary>
    /// Held beside other shared holders of <paramref name="name"/>, never beside an exclusive one
    /// (<c>pg_advisory_lock_shared</c>): a waiting exclusive holder waits for every shared one to let go.
    /// </summary>
    public static Task<IAsyncDisposable> AcquireSharedAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken) =>
        AcquireAsync(dataSource, name, shared: true, cancellationToken);

    private static async Task<IAsyncDisposable> AcquireAsync(NpgsqlDataSource dataSource, string name, bool shared, CancellationToken cancellationToken)
    {
        var key = KeyFor(name);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var sql = shared ? "SELECT pg_advisory_lock_shared($1)" : "SELECT pg_advisory_lock($1)";
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = key } } };
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new Held(connection, key, shared);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static long KeyFor(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);

    private sealed class Held(NpgsqlConnection connection, long key, bool shared) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                var sql = shared ? "SELECT pg_advisory_unlock_shared($1)" : "SELECT pg_advisory_unlock($1)";
                await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = key } } };
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
