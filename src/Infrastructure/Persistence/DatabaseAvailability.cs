namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>Tells an unreachable database from every other failure.</summary>
public static class DatabaseAvailability
{
    /// <summary>The database refused, dropped or timed out the connection, or is shutting down (anywhere in the exception chain).</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Application.Common.StoreUnavailableException:
                case Npgsql.PostgresException postgres when postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                    || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
                    || postgres.SqlState is "53300" or "55000":
                case Npgsql.NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                    return true;
            }
        }

        return false;
    }
}
