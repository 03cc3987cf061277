namespace ClaudeBatch.Application.Jobs;

/// <summary><c>Jobs</c>: how many run at once, how many one user may hold, and how long they may take.</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>The most <see cref="MaxQueued"/> may be: each waiting job is a message in flight.</summary>
    public const int MaxQueuedLimit = 100_000;

    public int MaxConcurrent { get; set; } = 5;

    /// <summary>Jobs one user may have waiting to run; a start beyond it is refused (429).</summary>
    public int MaxQueuedPerUser { get; set; } = 100;

    /// <summary>Jobs one user may have running at once; more wait for their turn. 0 (the default) means <see cref="MaxConcurrent"/>.</summary>
    public int MaxRunningPerUser { get; set; }

    /// <summary>
    /// Jobs the whole server may have waiting; a start beyond it is refused (429). Every waiting job is held by the
    /// fair scheduler at once (so the queue's order is the scheduler's), and this bounds how many that can be.
    /// </summary>
    public int MaxQueued { get; set; } = 10_000;

    /// <summary>Live event streams (<c>GET /jobs/{id}/stream</c>) one user may hold open at once.</summary>
    public int MaxStreamsPerUser { get; set; } = 20;

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

    /// <summary>The most of a job's diff (<c>GET /jobs/{id}/diff</c>) served, in bytes; a longer one is cut and says so.</summary>
    public long MaxDiffBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How long git may take to compute a job's diff or its summary before it is stopped.</summary>
    public int DiffTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// Memory (MiB, estimated) for job views kept by <c>GET /jobs/{id}</c> so that an unchanged job is answered without
    /// asking the database; the least recently read go first. 0 turns the cache off.
    /// </summary>
    public int ViewCacheMegabytes { get; set; } = 64;

    /// <summary>
    /// Memory (MiB) for pages of <c>GET /jobs</c> kept with the revision of the list they show, so that a page asked for
    /// again before anything in it changed is not written by the database again; the least recently read go first. 0
    /// turns it off.
    /// </summary>
    public int ListCacheMegabytes { get; set; } = 32;

    /// <summary>How often the cached job views' versions are compared with the stored ones, in case a notification was missed.</summary>
    public int ViewCacheReconcileSeconds { get; set; } = 30;

    /// <summary>
    /// This server's name in job events and in the node list: one process at a time runs as a node on a database (a
    /// second waits for the first to let go, then refuses to start); a restarted node fails the jobs its previous life
    /// left running. Letters, digits, '.', '_' and '-'.
    /// </summary>
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>
    /// Where the other nodes reach this one (<c>http://10.0.0.5:5000</c>, say) to forward a request for a job whose
    /// workspace is here; unset: they answer 503 naming this node instead.
    /// </summary>
    public string? NodeUrl { get; set; }

    /// <summary>
    /// True only where this server is the one server on its database: Wolverine then runs in Solo mode, without the
    /// polling several nodes need to elect a leader and hand a dead node's messages on (an idle server costs several
    /// times less). A second server on the same database would take this one's queued messages at its start.
    /// </summary>
    public bool SingleNode { get; set; }
}
