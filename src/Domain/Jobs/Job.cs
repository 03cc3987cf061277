using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Domain.Jobs;

/// <summary>
/// A batch job: rebuilt from its events, it decides what may happen next and answers with new events or a
/// <see cref="DomainError"/>. It never does I/O.
/// </summary>
public sealed class Job
{
    public string JobId { get; private set; } = "";

    public string User { get; private set; } = "";

    public string Repository { get; private set; } = "";

    public string Prompt { get; private set; } = "";

    public IReadOnlyList<string> Images { get; private set; } = [];

    public JobOptions Options { get; private set; } = new(0, false, false, null, null);

    public string CowPath { get; private set; } = "";

    public JobStatus Status { get; private set; }

    public bool Exists { get; private set; }

    public bool IsDeleted { get; private set; }

    public bool CancellationRequested { get; private set; }

    /// <summary>The server running the pipeline, and the agent process it started (for recovery after a crash).</summary>
    public string? Node { get; private set; }

    public int? AgentProcessId { get; private set; }

    public long? AgentProcessStartTicks { get; private set; }

    public long Version { get; private set; }

    private readonly Dictionary<string, FileStaged> stagedFiles = new(StringComparer.Ordinal);

    /// <summary>Uploaded files by their original name.</summary>
    public IReadOnlyDictionary<string, FileStaged> StagedFiles => stagedFiles;

    public static Job From(IEnumerable<object> events)
    {
        var job = new Job();
        foreach (var e in events)
        {
            job.Apply(e);
        }

        return job;
    }

    public static JobCreated Create(
        string jobId, string user, string repository, string prompt, IReadOnlyList<string> images, JobOptions options,
        string cowPath, DateTimeOffset now) =>
        new(jobId, user, repository, prompt, images, options, cowPath, now);

    /// <summary>Whether <paramref name="user"/> may see this job at all: anyone else gets a 404, as if it did not exist.</summary>
    public bool IsVisibleTo(string user) => Exists && !IsDeleted && User == user;

    public Result<JobQueued> Start(DateTimeOffset now) => Status switch
    {
        _ when IsDeleted => JobErrors.NotFound(JobId),
        JobStatus.Created when Images.FirstOrDefault(image => !stagedFiles.ContainsKey(image)) is { } missing =>
            DomainError.Invalid("image-not-uploaded", $"The image '{missing}' named in the job was not uploaded."),
        JobStatus.Created => new JobQueued(JobId, now),
        _ => DomainError.Conflict("job-not-startable", $"The job is {Describe(Status)}; only a created job can be started."),
    };

    /// <summary>
    /// Whether a file may be uploaded under <paramref name="fileName"/>: only before the job starts, a name in use only
    /// with <paramref name="overwrite"/>. Answers how many bytes the file may have within the job's total.
    /// </summary>
    public Result<long> AllowUpload(string fileName, bool overwrite, long maxJobBytes)
    {
        if (Status != JobStatus.Created)
        {
            return DomainError.Conflict("job-not-editable", $"Files can be uploaded only before the job starts; it is {Describe(Status)}.");
        }

        var existing = stagedFiles.GetValueOrDefault(fileName);
        if (existing is not null && !overwrite)
        {
            return DomainError.Conflict("file-exists", $"'{fileName}' was already uploaded; pass overwrite=true to replace it.");
        }

        var used = stagedFiles.Values.Sum(f => f.Size) - (existing?.Size ?? 0);
        return used >= maxJobBytes
            ? new DomainError("job-uploads-full", $"The job's uploads already use its limit of {maxJobBytes} bytes.", ErrorKind.TooLarge)
            : maxJobBytes - used;
    }

    public FileStaged Stage(string fileName, string storedName, string contentType, long size, string sha256, DateTimeOffset now) =>
        new(JobId, fileName, storedName, contentType, size, sha256, stagedFiles.ContainsKey(fileName), now);

    public Result<StagedFileRemoved> RemoveStagedFile(string fileName, DateTimeOffset now)
    {
        if (Status != JobStatus.Created)
        {
            return DomainError.Conflict("job-not-editable", $"Files can be removed only before the job starts; it is {Describe(Status)}.");
        }

        return stagedFiles.TryGetValue(fileName, out var staged)
            ? new StagedFileRemoved(JobId, fileName, staged.StoredName, now)
            : DomainError.NotFound("file-not-found", $"No file '{fileName}' was uploaded to this job.");
    }

    /// <summary>
    /// A job not yet picked up is cancelled at once; one in the pipeline is asked to stop (the pipeline kills its
    /// processes and records <see cref="JobCancelled"/>); a finished one cannot be cancelled.
    /// </summary>
    public Result<object[]> Cancel(string by, DateTimeOffset now)
    {
        if (Status.IsFinished())
        {
            return DomainError.Conflict("job-finished", $"The job is already {Describe(Status)}.");
        }

        if (Status is JobStatus.Created or JobStatus.Queued)
        {
            return new object[] { new JobCancellationRequested(JobId, by, now), new JobCancelled(JobId, null, now) };
        }

        return CancellationRequested
            ? Array.Empty<object>()
            : new object[] { new JobCancellationRequested(JobId, by, now) };
    }

    /// <summary>
    /// The job is deleted whether or not its folder could be removed: a removal that did not finish
    /// (<paramref name="removalFailure"/>) is recorded after the deletion, and the retention sweep removes the rest.
    /// </summary>
    public object[] Delete(string by, bool terminated, bool folderRemoved, string? removalFailure, DateTimeOffset now) =>
        removalFailure is null
            ? [new JobDeleted(JobId, by, terminated, folderRemoved, now)]
            : [new JobDeleted(JobId, by, terminated, false, now), new WorkspaceRemovalFailed(JobId, removalFailure, now)];

    /// <summary>The pipeline takes a job only while it is queued: a redelivered or cancelled message does nothing.</summary>
    public bool IsReadyToRun => Exists && !IsDeleted && Status == JobStatus.Queued && !CancellationRequested;

    /// <summary>How a pipeline that stopped early ends the job, by why it stopped.</summary>
    public object Stop(StopReason reason, string? detail, AgentResult? result, DateTimeOffset now) => reason switch
    {
        StopReason.TimedOut => new JobTimedOut(JobId, Options.TimeoutSeconds, result, now),
        StopReason.Cancelled => new JobCancelled(JobId, result, now),
        _ => new JobFailed(JobId, detail ?? "The job failed.", result, now),
    };

    private static string Describe(JobStatus status) => status.ToString().ToLowerInvariant();

    private void Apply(object e)
    {
        Version++;
        switch (e)
        {
            case JobCreated created:
                (JobId, User, Repository, Prompt, Images, Options, CowPath) =
                    (created.JobId, created.User, created.Repository, created.Prompt, created.Images, created.Options, created.CowPath);
                Exists = true;
                Status = JobStatus.Created;
                break;
            case JobQueued:
                Status = JobStatus.Queued;
                break;
            case JobPipelineStarted started:
                Node = started.Node;
                break;
            case GitPullStarted:
                Status = JobStatus.GitPulling;
                break;
            case GitPullFailed:
                Status = JobStatus.GitFailed;
                break;
            case AgentStarted agent:
                Status = JobStatus.Running;
                (AgentProcessId, AgentProcessStartTicks, Node) = (agent.ProcessId, agent.ProcessStartTicks, agent.Node);
                break;
            case JobCompleted:
                Status = JobStatus.Completed;
                break;
            case JobFailed:
                Status = JobStatus.Failed;
                break;
            case JobTimedOut:
                Status = JobStatus.Timeout;
                break;
            case JobCancellationRequested:
                CancellationRequested = true;
                break;
            case JobCancelled:
                Status = JobStatus.Cancelled;
                break;
            case JobDeleted:
                IsDeleted = true;
                break;
            case FileStaged staged:
                stagedFiles[staged.FileName] = staged;
                break;
            case StagedFileRemoved removed:
                stagedFiles.Remove(removed.FileName);
                break;
        }
    }
}

public enum StopReason
{
    Failed,
    TimedOut,
    Cancelled,
}

public static class JobErrors
{
    public static DomainError NotFound(string jobId) => DomainError.NotFound("job-not-found", $"No job '{jobId}' was found.");
}
