using Wolverine;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Wolverine's durability agent polls PostgreSQL on timers; an idle server should cost next to nothing, so each
/// timer runs only as often as something here needs it (bench/idle.sh measures the result). In Balanced mode each
/// node checks in every 10 s (Wolverine's health check, which also elects the leader); the durability agent runs on
/// one node, which the leader picks:
/// <list type="bullet">
/// <item>Envelope counts for Wolverine's metrics (every 5 s by default): nothing reads them; off.</item>
/// <item>The recovery pass for inbox messages owned by no node (<c>ScheduledJobPollingTime</c>, 5 s by default):
/// what a dead node left (released by <c>NodeMembership</c> as soon as the node is seen dead twice, 5–10 s) runs on a
/// living node at its next pass, so this bounds the failover time; every <see cref="RecoveryPolling"/>. A start
/// takes the previous life's messages back the same way (the first pass runs 0.5–5 s after the start); during a run
/// the inbox only releases messages when the local queue's buffer overflows, which the job limits keep from
/// happening.</item>
/// <item>Scheduled messages ride the same timer: only the retention sweep is scheduled (<c>Jobs:RetentionSchedule</c>,
/// hourly by default), so an occurrence may fire up to <see cref="RecoveryPolling"/> late.</item>
/// <item>Wolverine's own orphan sweep (every 5 s by default) is the fallback for a dead node NodeMembership did not
/// release (Wolverine ejects a node after a minute without health checks): every minute.</item>
/// <item>The handled-envelope cleanup (every minute) and node record pruning (hourly) keep their defaults.</item>
/// </list>
/// </summary>
public static class QuietDurability
{
    public static readonly TimeSpan RecoveryPolling = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan OrphanSweepPolling = TimeSpan.FromMinutes(1);

    public static void UseQuietDurabilityAgent(this WolverineOptions options)
    {
        options.Durability.DurabilityMetricsEnabled = false;
        options.Durability.ScheduledJobPollingTime = RecoveryPolling;
        options.Durability.OrphanedMessageSweepPollingTime = OrphanSweepPolling;
    }
}
