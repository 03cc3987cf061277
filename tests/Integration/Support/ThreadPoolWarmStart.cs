using System.Runtime.CompilerServices;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// Dozens of in-process servers share this test process's thread pool. On a 2-core machine the pool starts with two
/// worker threads and adds about one a second when they are all blocked, so a burst of blocking work (a process
/// start, a synchronous read in a library) stalled every server at once for tens of seconds and unrelated tests timed
/// out together. Start with enough threads for the servers the suite runs side by side.
/// </summary>
internal static class ThreadPoolWarmStart
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 128), Math.Max(io, 128));
    }
}
