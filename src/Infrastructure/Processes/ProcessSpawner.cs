using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClaudeBatch.Infrastructure.Processes;

/// <summary>
/// Starts child processes from one thread that lives as long as the server. A parent-death signal
/// (<c>setpriv --pdeathsig</c>) fires when the <em>thread</em> that forked the child ends, and thread-pool threads
/// retire when idle: forking from them would kill long jobs at random.
/// </summary>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Started)> Requests = new();

    static ProcessSpawner()
    {
        new Thread(Spawn) { IsBackground = true, Name = "process-spawner" }.Start();
    }

    public static Task<Process> StartAsync(ProcessStartInfo start)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((start, started));
        return started.Task;
    }

    private static void Spawn()
    {
        foreach (var (start, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} could not be started."));
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
