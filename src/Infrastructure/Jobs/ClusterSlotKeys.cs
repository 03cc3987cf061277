using System.Security.Cryptography;
using System.Text;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// The advisory lock keys of the run slots shared by every server on one database (<see cref="ClusterJobSlots"/>):
/// <c>Jobs:MaxConcurrent</c> keys for the whole cluster, and <c>Jobs:MaxRunningPerUser</c> keys per user. They are
/// 64-bit keys hashed from names, in the same key space as the other advisory locks (<c>AdvisoryLock</c>), whose names
/// never start with "job-slot:"; two users share keys only if 64-bit hashes collide.
/// </summary>
internal sealed class ClusterSlotKeys(int maxConcurrent, int maxRunningPerUser)
{
    private readonly long[] global = Enumerable.Range(0, maxConcurrent).Select(k => KeyFor($"job-slot:{k}")).ToArray();

    /// <summary>The keys of which a running job holds one: as many as jobs may run at once on all servers together.</summary>
    public IReadOnlyList<long> Global => global;

    /// <summary>
    /// The keys of which a running job of the user holds one, besides a global one; none when the per-user cap is no
    /// tighter than the global one (it then holds by itself).
    /// </summary>
    public IReadOnlyList<long> ForUser(string user) =>
        maxRunningPerUser >= maxConcurrent
            ? []
            : Enumerable.Range(0, maxRunningPerUser).Select(k => KeyFor($"job-slot:{k}:{user}")).ToArray();

    private static long KeyFor(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);
}
