using Wolverine;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Wolverine's durability agent polls PostgreSQL on timers; an idle server should cost next to nothing, so each
/// timer runs only as often as something here needs it (bench/idle.sh measures the result). In Solo mode (this
/// server) Wolverine 6 runs no node heartbeat, health check or orphan sweep; what is left:
/// <list type="bullet">
/// <item>Envelope counts for Wolverine's metrics (every 5 s by default): nothing reads them; off.</item>
/// <item>Scheduled messages (<c>ScheduledJobPollingTime</c>, 5 s): only the retention sweep is scheduled
/// (<c>Jobs:RetentionSchedule</c>, hourly by default), so an occurrence may fire up to a minute late; every minute.</item>
/// <item>The recovery pass for inbox messages owned by no node rides the same timer, so it too runs every minute. A
/// start still takes the previous life's messages back within seconds (the first pass runs 0.5–5 s after the start
/// and pages through all of them at once); during a run the inbox only releases messages when the local queue's
/// buffer overflows, which the job limits keep from happening.</item>
/// <item>The handled-envelope cleanup (every minute) and node record pruning (hourly) keep their defaults.</item>
/// </list>
/// </summary>
public static class QuietDurability
{
    public static readonly TimeSpan ScheduledMessagesPolling = TimeSpan.FromMinutes(1);

    public static void UseQuietDurabilityAgent(this WolverineOptions options)
    {
        options.Durability.DurabilityMetricsEnabled = false;
        options.Durability.ScheduledJobPollingTime = ScheduledMessagesPolling;
    }
}
