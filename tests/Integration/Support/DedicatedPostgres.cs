using System.Diagnostics;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A PostgreSQL cluster of one test's own (initdb + pg_ctl from the installed server binaries), so the test can stop
/// and start the whole database server under a running API. As root, the cluster belongs to the postgres account
/// (initdb refuses root), as scripts/lib/postgres.sh does.
/// </summary>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    private readonly string bin;
    private readonly string folder;
    private readonly int port;

    private DedicatedPostgres(string bin, string folder, int port)
    {
        this.bin = bin;
        this.folder = folder;
        this.port = port;
    }

    public string ConnectionString => $"Host=127.0.0.1;Port={port};Database=app;Username=postgres;Timeout=5;Command Timeout=30";

    private string Cluster => Path.Combine(folder, "cluster");

    public static async Task<DedicatedPostgres> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Max()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) are missing; scripts/test.sh installs them.");
        }

        var folder = Path.Combine(Path.GetTempPath(), "claudebatch-tests", "pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        var postgres = new DedicatedPostgres(bin, folder, FreePort());
        if (Environment.UserName == "root")
        {
            await Run("chown", "postgres", folder);
        }

        await postgres.AsOwner("initdb", "-D", postgres.Cluster, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8");
        await postgres.StartServerAsync();
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={postgres.port};Database=postgres;Username=postgres");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE app", connection);
        await create.ExecuteNonQueryAsync();
        return postgres;
    }

    public Task StartServerAsync() =>
        AsOwner("pg_ctl", "-D", Cluster, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start",
            "-o", $"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=200");

    /// <summary>A clean shutdown that disconnects every client at once (pg_ctl -m fast).</summary>
    public Task StopServerAsync() => AsOwner("pg_ctl", "-D", Cluster, "-m", "fast", "-w", "-t", "60", "stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsOwner("pg_ctl", "-D", Cluster, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(folder, recursive: true);
    }

    private Task AsOwner(string tool, params string[] arguments) =>
        Environment.UserName == "root"
            ? Run("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments])
            : Run(Path.Combine(bin, tool), arguments);

    private static async Task Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
