using System.Diagnostics;
using System.Globalization;
using System.Text;
using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// One cgroup v2 per job, <c>claude-batch-job-&lt;jobId&gt;</c> under the server's own cgroup, with a leaf for the agent
/// and one for the other steps (cidx). Every job process joins its leaf before it execs (see
/// <see cref="Impersonation.UserProcesses"/>), and the job's user cannot leave it (the folders are root's), so
/// <c>cgroup.kill</c> ends everything the job started, daemons that left the agent's session included.
/// <c>Jobs:MemoryLimitBytes</c> and <c>Jobs:MaxProcesses</c> go to <c>memory.max</c> / <c>pids.max</c> when the
/// controllers can be enabled for the server's children; on a hybrid host whose cgroup v2 has no such controller they
/// go to the v1 memory / pids hierarchies instead, where the job's processes then join a cgroup of the same name.
/// Without a writable cgroup v2 (with <c>cgroup.kill</c>, Linux 5.14) jobs are contained by their session only.
/// </summary>
internal sealed class JobCgroups : IJobContainment
{
    public const string Agent = "agent";
    public const string Steps = "steps";
    private const string Prefix = "claude-batch-job-";

    /// <summary>Where the server moves itself when its cgroup must hand controllers to its children (cgroup v2 allows that only to a cgroup without processes).</summary>
    private const string ServerLeaf = "claude-batch-server";

    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly string? parent;
    private readonly Limit memory;
    private readonly Limit pids;
    private readonly ILogger logger;

    private JobCgroups(string? parent, string description, Limit memory, Limit pids, ILogger logger)
    {
        this.parent = parent;
        Description = description;
        this.memory = memory;
        this.pids = pids;
        this.logger = logger;
    }

    public string Mode => parent is null ? ContainmentMode.Session : ContainmentMode.Cgroup;

    /// <summary>Why the mode is what it is, for <c>/health/ready</c> and the start-up log.</summary>
    public string Description { get; }

    /// <summary>The folder job cgroups are made in (null in session mode).</summary>
    public string? Folder => parent;

    /// <summary>How <c>Jobs:MemoryLimitBytes</c> is applied: <c>cgroup v2 memory.max</c>, <c>cgroup v1 memory.limit_in_bytes</c>, <c>unavailable</c> or <c>not set</c>.</summary>
    public string MemoryLimit => memory.Mechanism;

    /// <summary>How <c>Jobs:MaxProcesses</c> is applied, in the same terms.</summary>
    public string MaxProcesses => pids.Mechanism;

    /// <summary>Finds this host's cgroups and decides how jobs are contained (once, at start).</summary>
    public static JobCgroups Detect(JobsOptions options, ILogger<JobCgroups> logger)
    {
        JobCgroups cgroups;
        try
        {
            cgroups = DetectOn(OperatingSystem.IsLinux() ? CgroupMounts.OfThisProcess() : null, options, logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            cgroups = new JobCgroups(null, $"session: the cgroups could not be set up ({e.Message})",
                new Limit("memory", "", "", options.MemoryLimitBytes), new Limit("pids", "", "", options.MaxProcesses), logger);
        }

        if (cgroups.Mode == ContainmentMode.Cgroup)
        {
            logger.LogInformation("Each job runs in a cgroup of its own under {Folder} (memory limit: {Memory}; process limit: {Processes})",
                cgroups.parent, cgroups.MemoryLimit, cgroups.MaxProcesses);
        }
        else
        {
            logger.LogWarning("Jobs are contained by their session only, so a daemon that leaves it can outlive its job: {Reason}", cgroups.Description);
        }

        return cgroups;
    }

    /// <summary>Makes the job's cgroup (and its v1 twins) with its limits; a leftover of the same job is emptied first.</summary>
    public async Task OpenAsync(string jobId, CancellationToken cancellationToken)
    {
        if (parent is null)
        {
            return;
        }

        var name = Name(jobId);
        var job = Path.Combine(parent, name);
        if (Directory.Exists(job))
        {
            await KillAsync(job);
        }

        Directory.CreateDirectory(job);
        memory.ApplyV2(job);
        pids.ApplyV2(job);
        Directory.CreateDirectory(Path.Combine(job, Agent));
        Directory.CreateDirectory(Path.Combine(job, Steps));
        memory.ApplyV1(name);
        pids.ApplyV1(name);
    }

    /// <summary>The <c>cgroup.procs</c> files a process of the job writes its own pid into before it execs; none in session mode.</summary>
    public IReadOnlyList<string> JoinFiles(string jobId, string part)
    {
        if (parent is null)
        {
            return [];
        }

        var name = Name(jobId);
        var files = new List<string> { Path.Combine(parent, name, part, "cgroup.procs") };
        files.AddRange(new[] { memory.V1Folder, pids.V1Folder }.OfType<string>().Select(v1 => Path.Combine(v1, name, "cgroup.procs")));
        return files;
    }

    /// <summary>Kills every process in one part of the job (e.g. what the agent left running once it exited).</summary>
    public Task KillAsync(string jobId, string part) =>
        parent is null ? Task.CompletedTask : KillAsync(Path.Combine(parent, Name(jobId), part));

    public async Task CloseAsync(string jobId, CancellationToken cancellationToken)
    {
        // Nothing was ever made for something that is not a job id.
        if (parent is null || !Guid.TryParseExact(jobId, "D", out _))
        {
            return;
        }

        var name = Name(jobId);
        var job = Path.Combine(parent, name);
        if (Directory.Exists(job))
        {
            await KillAsync(job);
        }

        foreach (var folder in new[] { Path.Combine(job, Agent), Path.Combine(job, Steps), job }
                     .Concat(new[] { memory.V1Folder, pids.V1Folder }.OfType<string>().Select(v1 => Path.Combine(v1, name))))
        {
            Remove(folder);
        }
    }

    /// <summary>
    /// <c>cgroup.kill</c>, then waits until the kernel reports the cgroup empty: the processes are gone (a zombie
    /// waiting for its parent is no longer in it).
    /// </summary>
    private async Task KillAsync(string folder)
    {
        try
        {
            Write(Path.Combine(folder, "cgroup.kill"), "1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(folder))
            {
                logger.LogError(e, "Could not kill the processes of cgroup {Cgroup}", folder);
            }

            return;
        }

        var waited = Stopwatch.StartNew();
        while (!IsEmpty(folder))
        {
            if (waited.Elapsed > KillWait)
            {
                logger.LogError("The processes of cgroup {Cgroup} were still there {Seconds} s after cgroup.kill", folder, KillWait.TotalSeconds);
                return;
            }

            await Task.Delay(10);
        }
    }

    private static bool IsEmpty(string folder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(folder, "cgroup.events")).Contains("populated 0", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return !Directory.Exists(folder);
        }
    }

    private void Remove(string folder)
    {
        try
        {
            // rmdir: a cgroup is removed as an empty folder, never by deleting its files.
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Could not remove cgroup {Cgroup}: {Reason}", folder, e.Message);
        }
    }

    /// <summary>Job ids are server-made GUIDs; anything else never becomes part of a path.</summary>
    private static string Name(string jobId) =>
        Guid.TryParseExact(jobId, "D", out var id) ? Prefix + id.ToString("D") : throw new ArgumentException($"Not a job id: '{jobId}'.", nameof(jobId));

    private static void Write(string file, string value)
    {
        // O_WRONLY without O_TRUNC or O_CREAT, and one write: what cgroup files expect.
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Write);
        RandomAccess.Write(handle, Encoding.ASCII.GetBytes(value), 0);
    }

    private static JobCgroups DetectOn(CgroupMounts? host, JobsOptions options, ILogger logger)
    {
        var memory = new Limit("memory", "memory.max", "memory.limit_in_bytes", options.MemoryLimitBytes);
        var pids = new Limit("pids", "pids.max", "pids.max", options.MaxProcesses);
        if (host?.V2Folder() is not { } own)
        {
            return new JobCgroups(null, "session: no cgroup v2 mount shows this process's cgroup", memory, pids, logger);
        }

        if (Probe(own) is { } problem)
        {
            return new JobCgroups(null, $"session: cgroup v2 at {own} {problem}", memory, pids, logger);
        }

        var wanted = new[] { memory, pids }.Where(l => l.IsSet).ToList();
        if (wanted.Count > 0)
        {
            EnableForChildren(own, wanted.Select(l => l.Controller).ToList());
        }

        var enabled = File.ReadAllText(Path.Combine(own, "cgroup.subtree_control")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var limit in wanted)
        {
            if (enabled.Contains(limit.Controller))
            {
                limit.UseV2();
            }
            // A hybrid host: the controller lives in a v1 hierarchy (otherwise the limit stays "unavailable").
            else if (host.V1Folder(limit.Controller) is { } v1 && Probe(v1, needsKill: false) is null)
            {
                limit.UseV1(v1);
            }
        }

        return new JobCgroups(own, $"cgroup: one cgroup v2 per job under {own}, killed with cgroup.kill when the job ends", memory, pids, logger);
    }

    /// <summary>Why cgroups cannot be made (and killed) under <paramref name="folder"/>, or null if they can.</summary>
    private static string? Probe(string folder, bool needsKill = true)
    {
        var probe = Path.Combine(folder, $"claude-batch-probe-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            var killable = File.Exists(Path.Combine(probe, "cgroup.kill"));
            Directory.Delete(probe, recursive: false);
            return killable || !needsKill ? null : "has no cgroup.kill (Linux 5.14 or later is needed)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"is not writable ({e.Message})";
        }
    }

    /// <summary>
    /// Adds the controllers to <c>cgroup.subtree_control</c>. A cgroup other than the root may hand controllers to its
    /// children only while it holds no process itself (systemd's <c>Delegate=yes</c> puts the server in its unit's
    /// cgroup), so when the server is alone there it first moves itself into a leaf of its own.
    /// </summary>
    private static void EnableForChildren(string own, List<string> controllers)
    {
        var available = File.ReadAllText(Path.Combine(own, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var wanted = controllers.Where(available.Contains).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var control = Path.Combine(own, "cgroup.subtree_control");
        try
        {
            Write(control, string.Join(' ', wanted.Select(c => "+" + c)));
            return;
        }
        catch (IOException) when (AloneIn(own))
        {
            var leaf = Path.Combine(own, ServerLeaf);
            Directory.CreateDirectory(leaf);
            Write(Path.Combine(leaf, "cgroup.procs"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return;
        }

        try
        {
            Write(control, string.Join(' ', wanted.Select(c => "+" + c)));
        }
        catch (IOException)
        {
            // Reported as unavailable (or applied through v1) by the caller.
        }
    }

    private static bool AloneIn(string cgroup) =>
        File.ReadAllText(Path.Combine(cgroup, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SequenceEqual([Environment.ProcessId.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>One limit: its controller, where it is applied (v2, a v1 hierarchy, nowhere) and its value.</summary>
    private sealed class Limit(string controller, string v2File, string v1File, long? value)
    {
        private bool v2;

        public string Controller => controller;

        public bool IsSet => value is not null;

        public string? V1Folder { get; private set; }

        public string Mechanism { get; private set; } = value is null ? "not set" : "unavailable";

        public void UseV2()
        {
            v2 = true;
            Mechanism = $"cgroup v2 {v2File}";
        }

        public void UseV1(string folder)
        {
            V1Folder = folder;
            Mechanism = $"cgroup v1 {v1File} (under {folder})";
        }

        public void ApplyV2(string job)
        {
            if (v2 && value is { } limit)
            {
                Write(Path.Combine(job, v2File), limit.ToString(CultureInfo.InvariantCulture));
            }
        }

        public void ApplyV1(string name)
        {
            if (V1Folder is { } folder && value is { } limit)
            {
                var job = Path.Combine(folder, name);
                Directory.CreateDirectory(job);
                Write(Path.Combine(job, v1File), limit.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
