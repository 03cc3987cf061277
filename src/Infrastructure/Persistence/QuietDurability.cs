using Wolverine;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Wolverine's durability agent polls PostgreSQL on timers; an idle server should cost next to nothing, so each
/// timer runs only as often as something here needs it (bench/idle.sh measures the result):
/// <list type="bullet">
/// <item>Envelope counts for Wolverine's metrics (every 5 s by default): nothing reads them; off.</item>
/// <item>Scheduled messages (5 s): only the retention sweep is scheduled (<c>Jobs:RetentionSchedule</c>, hourly by
/// default), so an occurrence may fire up to a minute late; every minute.</item>
/// <item>Messages owned by nodes that no longer exist (5 s): a server in Solo mode takes its own back when it starts;
/// every minute.</item>
/// <item>The recovery pass for messages released to no owner (5 s): kept, so a job whose message was released while
/// the database was away is picked up again within seconds.</item>
/// </list>
/// </summary>
public static class QuietDurability
{
    public static readonly TimeSpan ScheduledMessagesPolling = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan OrphanedMessagesPolling = TimeSpan.FromMinutes(1);

    public static void UseQuietDurabilityAgent(this WolverineOptions options)
    {
        options.Durability.DurabilityMetricsEnabled = false;
        options.Durability.ScheduledJobPollingTime = ScheduledMessagesPolling;
        options.Durability.OrphanedMessageSweepPollingTime = OrphanedMessagesPolling;
    }
}
