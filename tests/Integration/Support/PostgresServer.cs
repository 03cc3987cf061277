using Npgsql;
using Testcontainers.PostgreSql;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// One PostgreSQL per test run: the server in <c>CLAUDEBATCH_TEST_POSTGRES</c> when set (scripts/test.sh starts one),
/// otherwise a Testcontainers container. Each test class gets databases of its own from it.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var admin = await Server.Value;
        var name = $"t_{purpose.ToLowerInvariant()}_{Guid.NewGuid():N}"[..40];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>Makes a database refuse every connection, as if the server had gone away.</summary>
    public static async Task CutOffAsync(string connectionString)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(await Server.Value);
        await connection.OpenAsync();
        await using var block = new NpgsqlCommand(
            $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false; " +
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}';",
            connection);
        await block.ExecuteNonQueryAsync();
        NpgsqlConnection.ClearAllPools();
    }

    private static async Task<string> StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("CLAUDEBATCH_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
        await container.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return container.GetConnectionString();
    }
}
