// Appends COUNT finished jobs to a server's event store, each with the event sequence an instant job gets from the
// pipeline (bench/lib/instant-agent, gitAware and cidxAware false), through the server's own StoreOptions: the inline
// projections (JobView) are built by the same code as for a job that ran. Many streams per session, for speed.
//   dotnet ClaudeBatch.Bench.Seed.dll CONNECTION_STRING USER REPOSITORY COUNT JOBS_PATH
using System.Diagnostics;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Marten;

if (args.Length != 5 || !int.TryParse(args[3], out var count) || count < 0)
{
    Console.Error.WriteLine("usage: Seed CONNECTION_STRING USER REPOSITORY COUNT JOBS_PATH");
    return 2;
}

var (connectionString, user, repository, jobsPath) = (args[0], args[1], args[2], args[4]);
const int JobsPerSession = 500;
const int Writers = 2;

await using var store = new DocumentStore(PersistenceRegistration.CreateStoreOptions(connectionString));

// Spread back in time at the pace the pipeline runs instant jobs (~12 a second), the newest just now.
var pace = TimeSpan.FromMilliseconds(80);
var newest = DateTimeOffset.UtcNow;
var clock = Stopwatch.StartNew();
var done = 0;
var batches = Enumerable.Range(0, (count + JobsPerSession - 1) / JobsPerSession);
await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Writers }, async (batch, cancellationToken) =>
{
    await using var session = store.LightweightSession();
    var first = batch * JobsPerSession;
    for (var i = first; i < Math.Min(count, first + JobsPerSession); i++)
    {
        var jobId = Guid.NewGuid().ToString();
        session.Events.StartStream(JobStream.For(jobId), FinishedJob(jobId, newest - (count - 1 - i) * pace, i));
    }

    await session.SaveChangesAsync(cancellationToken);
    var total = Interlocked.Add(ref done, Math.Min(count, first + JobsPerSession) - first);
    if (total % 10_000 < JobsPerSession || total == count)
    {
        Console.Error.WriteLine($"  {total} jobs seeded, {clock.Elapsed.TotalSeconds:F0} s");
    }
});

Console.WriteLine($"Seeded {count} finished jobs for {user} in {clock.Elapsed.TotalSeconds:F1} s");
return 0;

// What the pipeline records for an instant job (compare: the stream of a job run by bench/api.sh).
object[] FinishedJob(string jobId, DateTimeOffset created, int n)
{
    var cowPath = Path.Combine(jobsPath, jobId, "workspace");
    DateTimeOffset At(int milliseconds) => created.AddMilliseconds(milliseconds);
    return
    [
        Job.Create(jobId, user, repository, "go", [], new JobOptions(3600, false, false, null, null), cowPath, created),
        new JobQueued(jobId, At(90)),
        new JobPipelineStarted(jobId, Environment.MachineName, At(140)),
        new GitPullSkipped(jobId, GitStatus.NotChecked, "gitAware is false.", At(180)),
        new WorkspacePrepared(jobId, cowPath, "full-copy", 17, 1835, 13.8, At(230)),
        new PromptResolved(jobId, "go", At(245)),
        new AgentStarted(jobId, 100_000 + n % 100_000, 1_000_000 + n, Environment.MachineName, At(270)),
        new AgentSessionStarted(jobId, "bench", "bench", At(310)),
        new JobCompleted(jobId, new AgentResult("ok", "bench", 0, 1, 1, 0), At(340)),
    ];
}
