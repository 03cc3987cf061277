namespace ClaudeBatch.Application.Jobs;

/// <summary><c>Jobs</c>: how many run at once and how long they may take.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    public int MaxConcurrent { get; set; } = 5;

    public int TimeoutHours { get; set; } = 24;

    public int DefaultTimeoutSeconds { get; set; } = 3600;

    public int RetentionDays { get; set; } = 30;

    /// <summary>When retention sweeps (cron, UTC; 5 fields or 6 with seconds first). Hourly by default.</summary>
    public string RetentionSchedule { get; set; } = "0 * * * *";

    /// <summary>Seconds of silence after which a live job stream sends a heartbeat comment.</summary>
    public int StreamHeartbeatSeconds { get; set; } = 15;

    /// <summary>
    /// Memory (bytes) all of a job's processes together may use (cgroup <c>memory.max</c>); null: no limit. Applied only
    /// where the server contains jobs in cgroups and the memory controller is available (see <c>/health/ready</c>).
    /// </summary>
    public long? MemoryLimitBytes { get; set; }

    /// <summary>
    /// Processes and threads a job may have at once (cgroup <c>pids.max</c>; a Node.js agent alone uses about a dozen);
    /// null: no limit. Applied like <see cref="MemoryLimitBytes"/>.
    /// </summary>
    public int? MaxProcesses { get; set; }

    /// <summary>This server's name in job events; a restarted server fails the jobs its previous life left running.</summary>
    public string NodeName { get; set; } = Environment.MachineName;
}
