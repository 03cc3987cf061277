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
    public static async Task<IAsyncDisposable> AcquireAsync(NpgsqlDataSource dataSource, string name, CancellationToken cancellationToken)
    {
        var key = KeyFor(name);
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

    private static long KeyFor(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);

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
