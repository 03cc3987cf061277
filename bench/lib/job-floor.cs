#:package Npgsql
// bench/lib/job-floor.cs CONNECTION POSTMASTER_PID_FILE [JOBS] [CONCURRENT]: the floor of a job's database work, measured
// on the same PostgreSQL as the server's jobs (issue #20). A job here is what event sourcing with a stored view needs at
// the least, with nothing of Marten, Wolverine or the server: each of the job's facts commits in its own transaction (an
// event row, unique on stream and version, and an upsert of the job's view, ~1.5 KB of JSON), on a pooled connection
// with the server's pooling settings (automatic preparation, the reset of a returned connection). Three shapes, each
// warmed by one round and then measured over JOBS jobs (default 1000), CONCURRENT (5) at a time:
//   six commits     the facts a live client sees (create, start, taken, agent started, session, end), one commit each;
//   + reads         the same, with 23 single-row reads on a connection of their own each (the server's other checkouts);
//   one commit      every fact of the job in one transaction: the least a durable job can cost.
// Prints, per shape: "floor <shape>: client X ms + PostgreSQL Y ms = Z ms per job" (this program's CPU, and the
// postmaster's with every backend's, live or reaped). Run: dotnet run bench/lib/job-floor.cs -- CONNECTION PIDFILE
using System.Diagnostics;
using System.Text;
using Npgsql;

var connection = new NpgsqlConnectionStringBuilder(args[0]) { MaxAutoPrepare = 200, KeepAlive = 30 }.ConnectionString;
var postmaster = File.ReadLines(args[1]).First().Trim();
var jobs = args.Length > 2 ? int.Parse(args[2]) : 1000;
var concurrent = args.Length > 3 ? int.Parse(args[3]) : 5;

await using var source = NpgsqlDataSource.Create(connection);
await using (var setup = source.CreateCommand("""
    drop schema if exists floor cascade;
    create schema floor;
    create table floor.events (seq bigserial primary key, stream text not null, version int not null, type text not null,
      data jsonb not null, at timestamptz not null default now(), unique (stream, version));
    create table floor.views (id text primary key, data jsonb not null, version int not null, "user" text not null,
      status text not null);
    create index on floor.views ("user", status);
    """))
{
    await setup.ExecuteNonQueryAsync();
}

var view = "{\"summary\":\"" + new string('x', 1400) + "\"}";
const string Event = "{\"jobId\":\"job\",\"node\":\"bench\",\"at\":\"2026-12-07T00:00:00Z\",\"detail\":\"a fact of the job\"}";

foreach (var (name, commits, reads) in new[] { ("six commits", 6, 0), ("six commits + 23 reads", 6, 23), ("one commit", 1, 0) })
{
    await RoundAsync(commits, reads);
    var (client0, pg0) = (Process.GetCurrentProcess().TotalProcessorTime, PostgresCpu());
    await RoundAsync(commits, reads);
    var (client1, pg1) = (Process.GetCurrentProcess().TotalProcessorTime, PostgresCpu());
    var clientMs = (client1 - client0).TotalMilliseconds / jobs;
    var pgMs = (pg1 - pg0).TotalMilliseconds / jobs;
    Console.WriteLine($"floor {name}: client {clientMs:F1} ms + PostgreSQL {pgMs:F1} ms = {clientMs + pgMs:F1} ms per job");
}

async Task RoundAsync(int commits, int reads)
{
    var next = 0;
    await Task.WhenAll(Enumerable.Range(0, concurrent).Select(async worker =>
    {
        while (Interlocked.Increment(ref next) is var n && n <= jobs)
        {
            var id = Guid.NewGuid().ToString("N");
            var version = 0;
            for (var commit = 0; commit < commits; commit++)
            {
                var facts = commits == 1 ? 6 : 1;
                await using var conn = await source.OpenConnectionAsync();
                await using var tx = await conn.BeginTransactionAsync();
                for (var f = 0; f < facts; f++)
                {
                    version++;
                    await using var append = new NpgsqlCommand(
                        "insert into floor.events (stream, version, type, data) values ($1, $2, $3, $4::jsonb)", conn, tx)
                    {
                        Parameters = { new() { Value = id }, new() { Value = version }, new() { Value = "fact" }, new() { Value = Event } },
                    };
                    await append.ExecuteNonQueryAsync();
                }

                await using var upsert = new NpgsqlCommand("""
                    insert into floor.views (id, data, version, "user", status) values ($1, $2::jsonb, $3, 'bench', $4)
                    on conflict (id) do update set data = excluded.data, version = excluded.version, status = excluded.status
                    """, conn, tx)
                {
                    Parameters = { new() { Value = id }, new() { Value = view }, new() { Value = version }, new() { Value = "s" + version } },
                };
                await upsert.ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }

            for (var read = 0; read < reads; read++)
            {
                await using var conn = await source.OpenConnectionAsync();
                await using var select = new NpgsqlCommand("select data from floor.views where id = $1", conn)
                {
                    Parameters = { new() { Value = id } },
                };
                await using var reader = await select.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    _ = reader.GetString(0);
                }
            }
        }
    }));
}

// The postmaster's own and reaped time, and every live backend's (as bench/lib/pipeline.py counts PostgreSQL).
TimeSpan PostgresCpu()
{
    long ticks = Ticks(postmaster, children: true);
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        var pid = Path.GetFileName(dir);
        try
        {
            if (pid.All(char.IsAsciiDigit) && Fields(pid)[1] == postmaster)
            {
                ticks += Ticks(pid, children: true);
            }
        }
        catch (IOException)
        {
        }
    }

    return TimeSpan.FromSeconds(ticks / 100.0);
}

static long Ticks(string pid, bool children) => Fields(pid)[11..(children ? 15 : 13)].Sum(long.Parse);

static string[] Fields(string pid)
{
    var stat = Encoding.ASCII.GetString(File.ReadAllBytes($"/proc/{pid}/stat"));
    return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
}
