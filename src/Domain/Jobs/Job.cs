using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Files;

namespace ClaudeBatch.Domain.Jobs;

/// <summary>
/// A batch job: rebuilt from its events, it decides what may happen next and answers with new events or a
/// <see cref="DomainError"/>. It never does I/O.
/// </summary>
public sealed class Job
{
    public string JobId { get; private set; } = "";

    public string User { get; private set; } = "";

    /// <summary>
    /// The uid of the account that created the job; null in jobs created before it was recorded, or with a credential
    /// that did not carry it. A later account under the same name is another person's, and the job does not run for it.
    /// </summary>
    public int? OwnerUid { get; private set; }

    public string Repository { get; private set; } = "";

    /// <summary>The prompt the job was created with (its first turn's).</summary>
    public string Prompt { get; private set; } = "";

    /// <summary>Which turn the job is in: 1 for the first prompt, n + 1 after each follow-up.</summary>
    public int Turn { get; private set; } = 1;

    /// <summary>The prompt of the current turn.</summary>
    public string TurnPrompt { get; private set; } = "";

    /// <summary>The agent's session, once it told (a follow-up resumes it).</summary>
    public string? SessionId { get; private set; }

    /// <summary>The workspace was removed (retention) or the job deleted: there is nothing to continue in.</summary>
    public bool WorkspaceGone { get; private set; }

    public IReadOnlyList<string> Images { get; private set; } = [];

    public JobOptions Options { get; private set; } = new(0, false, false, null, null);

    public string CowPath { get; private set; } = "";

    /// <summary>The prompt as the agent gets it, once the pipeline resolved it.</summary>
    public string? ResolvedPrompt { get; private set; }

    public JobStatus Status { get; private set; }

    public bool Exists { get; private set; }

    public bool IsDeleted { get; private set; }

    public bool CancellationRequested { get; private set; }

    /// <summary>A pipeline has taken the job (it may still show <c>queued</c> while its workspace is made).</summary>
    public bool PipelineStarted { get; private set; }

    /// <summary>The server running the pipeline, and the agent process it started (for recovery after a crash).</summary>
    public string? Node { get; private set; }

    /// <summary>The node whose queue holds the job and whose disk holds its uploads (null in jobs older than nodes).</summary>
    public string? Home { get; private set; }

    /// <summary>The node the job was last taken from because it died (<see cref="JobPipelineLost"/>), if any.</summary>
    public string? LostNode { get; private set; }

    public int? AgentProcessId { get; private set; }

    public long? AgentProcessStartTicks { get; private set; }

    public long Version { get; private set; }

    /// <summary>When the current turn was queued (what its wait in the queue is measured from).</summary>
    public DateTimeOffset? QueuedAt { get; private set; }

    /// <summary>When a pipeline took the current turn (what its run time is measured from).</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>The master's HEAD when the workspace was copied from it; null for a repository that is not a git repository.</summary>
    public string? BaseCommit { get; private set; }

    private bool pullDone;
    private bool workspaceReady;
    private bool indexStarted;
    private bool indexStopped;
    private bool agentStarted;

    private readonly Dictionary<string, FileStaged> stagedFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> unplacedFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> pushedBranches = new(StringComparer.Ordinal);

    /// <summary>Uploaded files by their original name.</summary>
    public IReadOnlyDictionary<string, FileStaged> StagedFiles => stagedFiles;

    /// <summary>
    /// Files uploaded between turns, once the workspace existed: the next turn places them in its <c>files/</c> before
    /// its prompt is resolved (the first turn's uploads are copied with the workspace).
    /// </summary>
    public IEnumerable<FileStaged> UnplacedFiles => unplacedFiles.Select(name => stagedFiles[name]);

    public static Job From(IEnumerable<object> events)
    {
        var job = new Job();
        foreach (var e in events)
        {
            job.Evolve(e);
        }

        return job;
    }

    public static JobCreated Create(
        string jobId, string user, string repository, string prompt, IReadOnlyList<string> images, JobOptions options,
        string cowPath, DateTimeOffset now, string? home = null, int? uid = null) =>
        new(jobId, user, repository, prompt, images, options, cowPath, now, home, uid);

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
    /// A follow-up turn for a finished job: it resumes the agent's session in the job's workspace, so both must still be
    /// there. Refused while the job has not run or is still at work (409), without a workspace (410), without a session
    /// to resume (409).
    /// </summary>
    public Result<FollowUpRequested> FollowUp(string prompt, string by, DateTimeOffset now)
    {
        DomainError? refusal =
            IsDeleted ? JobErrors.NotFound(JobId)
            : Status == JobStatus.Created ? DomainError.Conflict("job-not-started", "The job has not run yet: start it, then follow up once its turn ends.")
            : !Status.IsFinished() ? DomainError.Conflict("job-not-finished", $"The job is {Describe(Status)}; a follow-up can be sent once its turn ends.")
            : WorkspaceGone ? new DomainError("workspace-removed", "The job's workspace was removed (Jobs:RetentionDays); there is nothing to continue in.", ErrorKind.Gone)
            : !workspaceReady ? new DomainError("no-workspace", $"The job ended ({Describe(Status)}) before its workspace was made; there is nothing to continue in.", ErrorKind.Gone)
            // The id comes from the agent's own output: only a well-formed one is ever passed back to it.
            : !Guid.TryParse(SessionId, out _) ? DomainError.Conflict("no-session", "The agent never started a session in this job; there is no conversation to continue.")
            : null;
        return refusal is null ? new FollowUpRequested(JobId, Turn + 1, prompt, by, now) : refusal;
    }

    /// <summary>
    /// Whether a file may be uploaded under <paramref name="fileName"/>: before the job starts, or between its turns
    /// while its workspace is there; a name in use only with <paramref name="overwrite"/>. Answers how many bytes the
    /// file may have within the job's total.
    /// </summary>
    public Result<long> AllowUpload(string fileName, bool overwrite, long maxJobBytes)
    {
        if (!IsEditable)
        {
            return DomainError.Conflict(
                "job-not-editable", $"Files can be uploaded only before the job starts or between its turns; it is {Describe(Status)}.");
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

    /// <summary>An upload can be taken back until a turn has placed it in the workspace (then it is the workspace's file).</summary>
    public Result<StagedFileRemoved> RemoveStagedFile(string fileName, DateTimeOffset now)
    {
        if (!IsEditable)
        {
            return DomainError.Conflict(
                "job-not-editable", $"Files can be removed only before the job starts or between its turns; it is {Describe(Status)}.");
        }

        if (!stagedFiles.TryGetValue(fileName, out var staged))
        {
            return DomainError.NotFound("file-not-found", $"No file '{fileName}' was uploaded to this job.");
        }

        return Status == JobStatus.Created || unplacedFiles.Contains(fileName)
            ? new StagedFileRemoved(JobId, fileName, staged.StoredName, now)
            : DomainError.Conflict("file-placed", $"'{fileName}' is already in the workspace's files/ folder; an earlier turn placed it there.");
    }

    /// <summary>Uploads are taken before the job starts and between its turns, while its workspace is there.</summary>
    private bool IsEditable =>
        !IsDeleted && (Status == JobStatus.Created || (Status.IsFinished() && workspaceReady && !WorkspaceGone));

    /// <summary>
    /// A job no pipeline has taken yet is cancelled at once; one being prepared or running is asked to stop (its pipeline
    /// kills its processes and records the one <see cref="JobCancelled"/>); a finished one cannot be cancelled.
    /// </summary>
    public Result<object[]> Cancel(string by, DateTimeOffset now)
    {
        if (Status.IsFinished())
        {
            return DomainError.Conflict("job-finished", $"The job is already {Describe(Status)}.");
        }

        if (!PipelineStarted)
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

    /// <summary>
    /// What removing the job's files (its workspace by retention, or a deleted job's folder) came to, for the record:
    /// nothing when there was nothing there to remove. Only a finished or deleted job's files are removed.
    /// </summary>
    public Result<object[]> RecordRemoval(string reason, bool removed, string? failure, DateTimeOffset now)
    {
        if (!IsDeleted && !Status.IsFinished())
        {
            return DomainError.Conflict("job-active", $"The job is {Describe(Status)}; its files stay while it may still use them.");
        }

        object[] facts = failure is not null ? [new WorkspaceRemovalFailed(JobId, failure, now)]
            : removed || IsDeleted ? [new WorkspaceRemoved(JobId, reason, now)]
            : [];
        return facts;
    }

    /// <summary>The pipeline takes a job only while it is queued: a redelivered or cancelled message does nothing.</summary>
    public bool IsReadyToRun => Exists && !IsDeleted && Status == JobStatus.Queued && !PipelineStarted && !CancellationRequested;

    /// <summary>A pipeline (on <paramref name="node"/>) takes the job; from now on only it may end the job.</summary>
    public Result<JobPipelineStarted> BeginPipeline(string node, DateTimeOffset now) =>
        IsReadyToRun
            ? new JobPipelineStarted(JobId, node, now)
            : DomainError.Conflict("job-not-runnable", $"The job is {Describe(Status)}{(PipelineStarted ? ", already taken by a pipeline" : "")}{(CancellationRequested ? ", cancelled" : "")}; it does not run.");

    /// <summary>Whether the agent of the current turn was started (its process may still run wherever it was started).</summary>
    public bool AgentStarted => agentStarted;

    /// <summary>
    /// The node that had taken the job died before the agent started: the job is queued again, to run from its pull in
    /// <paramref name="cowPath"/>. Only a first turn (a follow-up resumes a workspace that is on the lost node).
    /// </summary>
    public Result<JobPipelineLost> RequeueFromLostNode(string node, string cowPath, DateTimeOffset now) =>
        Exists && !IsDeleted && PipelineStarted && !agentStarted && !CancellationRequested && !Status.IsFinished() && Turn == 1 && Node is { } lost
            ? new JobPipelineLost(JobId, lost, cowPath, now, node)
            : DomainError.Conflict("job-not-requeueable", $"The job is {Describe(Status)}; only a first turn taken by a node, before its agent started, is queued again.");

    /// <summary>
    /// The job waited in the queue of its home node, which is gone (the job's message came to <paramref name="node"/>):
    /// before <paramref name="node"/> takes it, it moves there, to run from its pull in <paramref name="cowPath"/>. Only
    /// a first turn that no pipeline took (a follow-up resumes a workspace that is on the lost node).
    /// </summary>
    public Result<JobPipelineLost> MoveFromLostHome(string node, string cowPath, DateTimeOffset now) =>
        IsHomedElsewhere(node) && Exists && !IsDeleted && !CancellationRequested && Status == JobStatus.Queued
            ? new JobPipelineLost(JobId, Home!, cowPath, now, node)
            : DomainError.Conflict("job-not-movable", $"The job is {Describe(Status)}; only a queued first turn of another node, not taken, moves.");

    /// <summary>Whether the job is a first turn, not taken, whose home is another node than <paramref name="node"/>.</summary>
    public bool IsHomedElsewhere(string node) => Turn == 1 && !PipelineStarted && Home is { } home && home != node;

    public Result<object> StartPull(DateTimeOffset now) =>
        Step("a pull", !pullDone && Status == JobStatus.Queued && Options.GitAware, () => new GitPullStarted(JobId, now));

    /// <summary>A job that is not <c>gitAware</c> uses the master as it is.</summary>
    public Result<object> SkipPull(DateTimeOffset now) =>
        Step("skipping the pull", !pullDone && !Options.GitAware, () => new GitPullSkipped(JobId, GitStatus.NotChecked, "gitAware is false.", now));

    public Result<object> RecordPulled(string commitHash, bool changed, DateTimeOffset now) =>
        Step("a pull's result", Status == JobStatus.GitPulling, () => new GitPulled(JobId, commitHash, changed, now));

    public Result<object> RecordNotGitRepository(DateTimeOffset now) =>
        Step("a pull's result", Status == JobStatus.GitPulling,
            () => new GitPullSkipped(JobId, GitStatus.NotGitRepo, "The repository folder is not a git repository.", now));

    /// <summary>A failed pull ends the job.</summary>
    public Result<object> RecordPullFailed(string reason, DateTimeOffset now) =>
        Step("a pull's result", Status == JobStatus.GitPulling, () => new GitPullFailed(JobId, reason, now));

    public Result<object> RecordWorkspace(
        string strategy, long fileCount, long bytes, double milliseconds, string? baseCommit, DateTimeOffset now) =>
        Step("a workspace", pullDone && !workspaceReady,
            () => new WorkspacePrepared(JobId, CowPath, strategy, fileCount, bytes, milliseconds, now, baseCommit));

    /// <summary>The prompt as the agent will get it: placeholders replaced by the uploaded files' paths.</summary>
    public Result<object> ResolvePrompt(DateTimeOffset now) =>
        Step("the prompt", workspaceReady && !agentStarted,
            () => new PromptResolved(JobId, PromptPlaceholders.Resolve(TurnPrompt, stagedFiles.Keys.ToList(), Turn == 1 ? Images : []), now));

    public Result<object> StartIndex(DateTimeOffset now) =>
        Step("indexing", Options.CidxAware && workspaceReady && !indexStarted && !agentStarted, () => new CodeIndexStarted(JobId, now));

    public Result<object> RecordIndexServicesStarted(DateTimeOffset now) =>
        Step("the index's services", Status == JobStatus.CidxIndexing, () => new CodeIndexServicesStarted(JobId, now));

    /// <summary>A failed index is not the job's end: the agent works without semantic search.</summary>
    public Result<object> RecordIndex(bool ready, string? reason, double milliseconds, DateTimeOffset now) =>
        Step("the index's result", Status == JobStatus.CidxIndexing,
            () => ready ? new CodeIndexReady(JobId, milliseconds, now) : new CodeIndexFailed(JobId, reason ?? "cidx is not ready.", now));

    /// <summary>After the agent (or instead of it): the index's services stopped, its containers removed.</summary>
    public Result<object> RecordIndexStopped(string? problem, DateTimeOffset now) =>
        Step("stopping the index", indexStarted && !indexStopped, () => new CodeIndexStopped(JobId, problem, now));

    public Result<object> RecordAgentStarted(int processId, long processStartTicks, string node, DateTimeOffset now) =>
        Step("the agent", workspaceReady && !agentStarted, () => new AgentStarted(JobId, processId, processStartTicks, node, now));

    public Result<object> RecordSession(string sessionId, string? model, DateTimeOffset now) =>
        Step("the agent's session", agentStarted, () => new AgentSessionStarted(JobId, sessionId, model, now));

    public Result<object> RecordToolUse(string tool, string summary, DateTimeOffset now) =>
        Step("a tool use", agentStarted, () => new AgentToolUsed(JobId, tool, summary, now));

    /// <summary>Long texts are cut: the full output is the job's log and result.</summary>
    public Result<object> RecordSaid(string text, DateTimeOffset now) =>
        Step("the agent's text", agentStarted,
            () => new AgentSaid(JobId, text.Length > AgentSaid.MaxLength ? text[..AgentSaid.MaxLength] + "…" : text, now));

    public Result<object> RecordToolReturn(bool isError, string summary, DateTimeOffset now) =>
        Step("a tool's answer", agentStarted, () => new AgentToolReturned(JobId, isError, summary, now));

    /// <summary>What the agent's turn changed, once it is over (the job's end is recorded after it).</summary>
    public Result<object> SummarizeChanges(int files, int additions, int deletions, DateTimeOffset now) =>
        Step("the changes' summary", agentStarted && BaseCommit is not null, () => new ChangesSummarized(JobId, files, additions, deletions, now));

    /// <summary>The agent exited: completed or failed by what it said and how it exited.</summary>
    public Result<object> Finish(AgentRun run, DateTimeOffset now) => Step("the agent's end", agentStarted, () => run.Verdict(JobId, now));

    /// <summary>How a pipeline that stopped early ends the job, by why it stopped (also a job a crashed server left).</summary>
    public Result<object> Stop(StopReason reason, string? detail, AgentResult? result, DateTimeOffset now) =>
        Step("the job's end", true, () => reason switch
        {
            StopReason.TimedOut => new JobTimedOut(JobId, Options.TimeoutSeconds, result, now),
            StopReason.Cancelled => new JobCancelled(JobId, result, now),
            _ => new JobFailed(JobId, detail ?? "The job failed.", result, now),
        });

    /// <summary>
    /// Whether the workspace's changes may be committed and pushed now, and as which branch (<paramref name="branch"/>,
    /// else <see cref="BranchName.DefaultFor"/>): only once the job has finished, from a workspace copied from a commit.
    /// </summary>
    public Result<string> PlanPush(string? branch, bool force = false)
    {
        DomainError? refusal =
            !Exists || IsDeleted ? JobErrors.NotFound(JobId)
            : !Status.IsFinished() ? DomainError.Conflict("job-active", $"The job is {Describe(Status)}; its changes can be pushed once it has finished.")
            : BaseCommit is null ? DomainError.Conflict(
                "workspace-not-git", $"Repository '{Repository}' was not a git repository with a commit when the workspace was made, so there is nothing to commit on.")
            : null;
        if (refusal is not null)
        {
            return refusal;
        }

        var name = BranchName.Parse(branch ?? BranchName.DefaultFor(JobId));

        // The registration's credentials may write anywhere on origin: force replaces only what this job put there.
        return name.IsSuccess && force && !pushedBranches.Contains(name.Value)
            ? DomainError.Conflict(
                "force-not-allowed", $"force replaces only a branch this job pushed itself; '{name.Value}' was not pushed by it. Push to a new branch instead.")
            : name;
    }

    /// <summary>The commit message when the user gives none: the prompt's first line, and which job made it.</summary>
    public string DefaultCommitMessage()
    {
        var firstLine = Prompt.Split('\n', 2)[0].Trim();
        firstLine = firstLine.Length > 72 ? firstLine[..72].TrimEnd() + "…" : firstLine;
        return firstLine.Length == 0 ? $"claude-batch job {JobId}" : $"{firstLine} (claude-batch job {JobId})";
    }

    /// <summary>The job's user committed the workspace's changes on the base commit (refused as <see cref="PlanPush"/> is).</summary>
    public Result<ChangesCommitted> RecordCommit(string commit, string author, string message, DateTimeOffset now)
    {
        var plan = PlanPush(null);
        return plan.IsSuccess ? new ChangesCommitted(JobId, commit, BaseCommit!, author, message, now) : plan.Error;
    }

    /// <summary>What pushing <paramref name="commit"/> as <paramref name="branch"/> came to: pushed, or why not.</summary>
    public object RecordPush(string branch, string commit, bool forced, string? failure, DateTimeOffset now) =>
        failure is null
            ? new BranchPushed(JobId, Repository, branch, commit, forced, now)
            : new PushFailed(JobId, Repository, branch, commit, failure, now);

    /// <summary>
    /// Every step of the pipeline is the pipeline's alone, once it has taken the job, until the job ends: a finished
    /// job refuses every step (it ends once), and each step must come in its order.
    /// </summary>
    private Result<object> Step(string what, bool inOrder, Func<object> fact)
    {
        // Typed refusals: in a conditional expression a DomainError would quietly become the step's "fact".
        DomainError? refusal =
            IsDeleted && Status.IsFinished() ? JobErrors.NotFound(JobId)
            : Status.IsFinished() ? DomainError.Conflict("job-finished", $"The job is already {Describe(Status)}; {what} is refused.")
            : !PipelineStarted ? DomainError.Conflict("job-not-in-pipeline", $"No pipeline has taken the job; {what} is refused.")
            : !inOrder ? DomainError.Conflict("job-step-out-of-order", $"The job is {Describe(Status)}; {what} does not come now.")
            : null;
        return refusal is null ? Result<object>.Success(fact()) : refusal;
    }

    private static string Describe(JobStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>
    /// Applies one event of the job's stream (each counts for <see cref="Version"/>). Answers whether it is a job event
    /// this aggregate knows (every one is: a test proves it), so that a new event cannot be forgotten here.
    /// </summary>
    public bool Evolve(object e)
    {
        Version++;
        Status = JobLifecycle.Evolve(Status, e);
        switch (e)
        {
            case JobCreated created:
                (JobId, User, Repository, Prompt, Images, Options, CowPath) =
                    (created.JobId, created.User, created.Repository, created.Prompt, created.Images, created.Options, created.CowPath);
                (TurnPrompt, Exists, Home, OwnerUid) = (created.Prompt, true, created.Home, created.Uid);
                break;
            case FollowUpRequested followUp:
                // A new turn of the same pipeline: every per-turn step may come again; the pull, workspace and session stay.
                (Turn, TurnPrompt, ResolvedPrompt) = (followUp.Turn, followUp.Prompt, null);
                (PipelineStarted, CancellationRequested, Node, AgentProcessId, AgentProcessStartTicks) = (false, false, null, null, null);
                (indexStarted, indexStopped, agentStarted) = (false, false, false);
                break;
            case JobPipelineStarted started:
                (PipelineStarted, Node, StartedAt) = (true, started.Node, started.At);
                break;
            case JobQueued queued:
                (QueuedAt, StartedAt) = (queued.At, null);
                break;
            case JobPipelineLost lost:
                // Queued again: every step of the turn comes again, on the node that takes it next.
                (PipelineStarted, Node, CowPath, ResolvedPrompt, BaseCommit, Home) = (false, null, lost.CowPath, null, null, lost.Home ?? Home);
                LostNode = lost.LostNode;
                (pullDone, workspaceReady, indexStarted, indexStopped) = (false, false, false, false);
                break;
            case GitPullSkipped or GitPulled:
                pullDone = true;
                break;
            case WorkspacePrepared prepared:
                (workspaceReady, BaseCommit) = (true, prepared.BaseCommit);
                break;
            case CodeIndexStarted:
                indexStarted = true;
                break;
            case CodeIndexStopped:
                indexStopped = true;
                break;
            case AgentStarted agent:
                agentStarted = true;
                (AgentProcessId, AgentProcessStartTicks, Node) = (agent.ProcessId, agent.ProcessStartTicks, agent.Node);
                break;
            case JobCancellationRequested:
                CancellationRequested = true;
                break;
            case JobDeleted:
                (IsDeleted, WorkspaceGone) = (true, true);
                break;
            case WorkspaceRemoved or WorkspaceRemovalFailed:
                // Half removed is gone too: a turn never runs in what a removal left.
                WorkspaceGone = true;
                break;
            case FileStaged staged:
                stagedFiles[staged.FileName] = staged;
                if (workspaceReady)
                {
                    unplacedFiles.Add(staged.FileName);
                }

                break;
            case StagedFileRemoved removed:
                stagedFiles.Remove(removed.FileName);
                unplacedFiles.Remove(removed.FileName);
                break;
            case PromptResolved resolved:
                // The turn's uploads were placed in the workspace before its prompt was resolved.
                ResolvedPrompt = resolved.Prompt;
                unplacedFiles.Clear();
                break;
            case AgentSessionStarted session:
                SessionId = session.SessionId;
                break;
            case BranchPushed pushed:
                pushedBranches.Add(pushed.Branch);
                break;
            case JobCompleted { Result.SessionId: { } completedIn }:
                SessionId = completedIn;
                break;
            case JobFailed { Result.SessionId: { } failedIn }:
                SessionId = failedIn;
                break;
            case JobTimedOut { Result.SessionId: { } timedOutIn }:
                SessionId = timedOutIn;
                break;
            case JobCancelled { Result.SessionId: { } cancelledIn }:
                SessionId = cancelledIn;
                break;
            case GitPullStarted or GitPullFailed or CodeIndexServicesStarted or CodeIndexReady
                or CodeIndexFailed or AgentToolUsed or AgentSaid or AgentToolReturned or ChangesSummarized or JobCompleted
                or JobFailed or JobTimedOut or JobCancelled
                or ChangesCommitted or PushFailed:
                break;
            default:
                return false;
        }

        return true;
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
