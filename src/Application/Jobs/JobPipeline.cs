using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The durable message that runs one job's pipeline (DESIGN.md §3). Redelivery is harmless: only a queued job that no
/// pipeline has taken runs.
/// </summary>
public sealed record RunJob(string JobId);

/// <summary>
/// What happens when a job runs: the pipeline takes the job, then git → workspace → index → agent, within the job's
/// timeout and until it is cancelled. Every step is the <see cref="Job"/>'s decision, recorded as it happens
/// (<see cref="JobJournal"/>); the job's end is recorded last, after everything it started is stopped, so whoever waits
/// for the end (a delete) finds nothing still at work.
/// </summary>
public sealed class JobPipeline(
    IEventStore store,
    IJobCancellation cancellation,
    IMasterClones clones,
    IRepositoryLock locks,
    ISender sender,
    IWorkspaceCloner workspaces,
    ISystemPrompts prompts,
    IAgentRunner agent,
    IFileStaging staging,
    IJobIdentity identities,
    IAccountStates accounts,
    ICodeIndex codeIndex,
    IJobContainment containment,
    IWorkspaceChanges changes,
    JobsOptions options,
    TimeProvider clock,
    JobPaths paths,
    Workspaces.WorkspaceOptions workspaceOptions,
    JobMetrics metrics)
{
    /// <summary>How often a pipeline that lost the race to take its job decides again (a cancel came first, say).</summary>
    private const int TakeAttempts = 3;

    private delegate Result<object> Decision(Job job, DateTimeOffset now);

    public async Task RunAsync(RunJob message, CancellationToken cancellationToken)
    {
        // Watch first: a cancel that arrives while the pipeline takes the job must not slip between the two.
        using var watch = cancellation.Watch(message.JobId);
        if (await TakeAsync(message.JobId, cancellationToken) is not { } job)
        {
            return;
        }

        var journal = new JobJournal(store, job, options.NodeName, clock);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(job.Options.TimeoutSeconds), clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(watch.Cancelled, timeout.Token, cancellationToken);
        Decision end;
        try
        {
            end = await StepsAsync(journal, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            var reason = watch.Cancelled.IsCancellationRequested ? StopReason.Cancelled
                : timeout.IsCancellationRequested ? StopReason.TimedOut
                : StopReason.Failed;
            end = (j, now) => j.Stop(reason, "Interrupted: the server stopped while the job ran.", null, now);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            end = (j, now) => j.Stop(StopReason.Failed, $"The server failed while running the job: {e.Message}", null, now);
        }

        object? endFact = null;
        await journal.RecordAsync((j, now) =>
        {
            var decided = end(j, now);
            endFact = decided.IsSuccess ? decided.Value : null;
            return decided;
        });
        if (endFact is not null)
        {
            metrics.Ended(journal.Job, endFact);
        }

        // Facts kept while the database was unreachable are stored before the job is let go; should the server stop
        // first, the job is found unfinished at the next start and ends "interrupted".
        await journal.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the job for this pipeline, committed at once and only if nobody wrote to the job since it was read: a cancel
    /// that came first wins (the job is not run), and one that comes after sees the job taken and asks it to stop.
    /// </summary>
    private async Task<Job?> TakeAsync(string jobId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var job = await store.LoadJobAsync(jobId, cancellationToken);
            var read = job.Version;
            var now = clock.GetUtcNow();
            // A job that waited in the queue of a node now gone came here with its message: it moves to this node first, so
            // that its workspace is made in this node's jobs folder (its uploads, if any, are looked for here: StepsAsync).
            var facts = new List<object>(2);
            if (job.MoveFromLostHome(options.NodeName, paths.Workspace(jobId), now) is { IsSuccess: true } moved)
            {
                job.Evolve(moved.Value);
                facts.Add(moved.Value);
            }

            var taken = job.BeginPipeline(options.NodeName, now);
            if (!taken.IsSuccess)
            {
                return null;
            }

            facts.Add(taken.Value);
            store.AppendExpecting(JobStream.For(jobId), read, [.. facts]);
            try
            {
                await store.SaveChangesAsync(cancellationToken);
                job.Evolve(taken.Value);
                metrics.Taken(job);
                return job;
            }
            catch (ConcurrencyConflictException) when (attempt < TakeAttempts)
            {
            }
        }
    }

    /// <summary>
    /// The steps up to the agent's exit; returns the decision that ends the job, taken once all is stopped. A follow-up
    /// turn skips the pull and the copy: it resumes the agent's session in the workspace the first turn made (of a
    /// repository still registered).
    /// </summary>
    private async Task<Decision> StepsAsync(JobJournal journal, CancellationToken cancellationToken)
    {
        var job = journal.Job;
        // Every turn: removing a repository ends what its jobs may still do with it (a follow-up included).
        if (!await sender.Send(new IsRepositoryRegistered(job.Repository), cancellationToken))
        {
            return Fail($"Repository '{job.Repository}' is no longer registered.");
        }

        // Before anything is copied: an account locked, expired or removed since the job was queued runs nothing,
        // whatever Impersonation:Mode is; nor does a job whose account was removed and another made under its name.
        if (accounts.Current(job.User, job.OwnerUid) is var state and not AccountState.Usable)
        {
            return Fail(state.Refusal(job.User));
        }

        // Before anything is copied: a server set up so that the agent refuses to run (root without impersonation) says why.
        if (agent.Refusal is { } refusal)
        {
            return Fail(refusal);
        }

        // Before anything is copied: a job never runs as the server's user by accident.
        var runAs = await identities.ResolveAsync(job.User, job.OwnerUid, cancellationToken);
        if (runAs.Identity is not { } identity)
        {
            return Fail(runAs.Refusal ?? $"User '{job.User}' cannot run jobs.");
        }

        if (job.Turn == 1)
        {
            // Uploads are staged on the node that took the request: a job moved here from a node that died may have left
            // them there (only such a job is looked at: the others' files are where they were put).
            if (job.LostNode is { } lost && TakeOverLostJob.UploadsNotHere(job, staging) is { Count: > 0 } missing)
            {
                return Fail(TakeOverLostJob.UploadsLost(lost, missing));
            }

            if (await PrepareWorkspaceAsync(journal, identity, cancellationToken) is { } notPrepared)
            {
                return notPrepared;
            }
        }
        else
        {
            // The workspace is the user's now: what was uploaded since the last turn is placed by descriptor and given to them.
            await staging.CopyIntoWorkspaceAsync(
                job.JobId, job.UnplacedFiles.Select(f => (f.StoredName, f.FileName)).ToList(), job.CowPath, identity, cancellationToken);
        }

        await journal.NoteAsync((j, now) => j.ResolvePrompt(now));

        // Every process of the job (cidx steps, the agent, whatever they leave) runs in the job's containment.
        var contained = identity with { JobId = job.JobId };
        try
        {
            await containment.OpenAsync(job.JobId, cancellationToken);
            var cidx = job.Options.CidxAware
                ? await IndexAsync(journal, contained, cancellationToken)
                : CodeIndexResult.Unavailable("cidxAware is false.");

            var systemPrompt = await prompts.ForAsync(
                new PromptContext(cidx.Ready, cidx.Ready ? "ready" : $"unavailable ({cidx.Reason})", job.Repository, job.CowPath), cancellationToken);
            var request = new AgentRequest(
                job.JobId, job.ResolvedPrompt!, systemPrompt, job.CowPath, job.Options.Model, job.Options.MaxTurns,
                paths.AgentLog(job.JobId), paths.AgentErrorLog(job.JobId), contained, paths.Folder(job.JobId))
            {
                ResumeSessionId = job.Turn > 1 ? job.SessionId : null,
            };
            var run = await agent.RunAsync(request, journal, cancellationToken);
            return (j, now) => j.Finish(run, now);
        }
        finally
        {
            await SummarizeChangesAsync(journal, contained);

            // Only once the agent has exited (or never started): its searches need the services up to the end.
            if (job.Options.CidxAware)
            {
                var problem = await codeIndex.StopAsync(job.CowPath, contained, CancellationToken.None);
                await journal.NoteAsync((j, now) => j.RecordIndexStopped(problem, now));
            }

            // Before the job's end is recorded: nothing it started outlives it, whatever ended it.
            await containment.CloseAsync(job.JobId, CancellationToken.None);
        }
    }

    /// <summary>
    /// The first turn's workspace: the master pulled (when <c>gitAware</c>), copied, the uploads placed in it, all given
    /// to the job's user. Returns the decision that ends the job when it cannot be made.
    /// </summary>
    private async Task<Decision?> PrepareWorkspaceAsync(JobJournal journal, RunAs identity, CancellationToken cancellationToken)
    {
        var job = journal.Job;
        // Each node has its own masters: one registered elsewhere is cloned here first.
        if (await sender.Send(new EnsureMasterClone(job.Repository), cancellationToken) is { } noMaster)
        {
            return Fail(noMaster);
        }

        if (await PullAsync(journal, cancellationToken) is { } pullFailed)
        {
            return pullFailed;
        }

        // Refuse up front rather than fail halfway through a copy.
        var free = workspaces.AvailableBytes(job.CowPath);
        if (free < workspaceOptions.MinFreeBytes)
        {
            return Fail(
                $"Not enough free space for the workspace: {free} bytes free on the jobs filesystem, Workspace:MinFreeBytes is {workspaceOptions.MinFreeBytes}.");
        }

        // Shared with other copies, never with a pull (which holds it exclusively): a copy is of one commit, whole.
        WorkspaceCopy copy;
        string? baseCommit;
        await using (await locks.AcquireSharedAsync(job.Repository, cancellationToken))
        {
            baseCommit = clones.HeadCommit(job.Repository);
            copy = await workspaces.CloneAsync(clones.PathFor(job.Repository), job.CowPath, cancellationToken);
        }

        // Stored with the next step (the index starting, or the agent): they follow within milliseconds, one commit fewer.
        await journal.NoteAsync((j, now) => j.RecordWorkspace(copy.Strategy, copy.FileCount, copy.Bytes, copy.Milliseconds, baseCommit, now));

        await staging.CopyIntoWorkspaceAsync(
            job.JobId, job.StagedFiles.Values.Select(f => (f.StoredName, f.FileName)), job.CowPath, null, cancellationToken);
        await identities.HandOverAsync(job.CowPath, identity, cancellationToken);
        return null;
    }

    /// <summary>
    /// Once the agent has exited, however its turn ended: what it changed, kept with the job's end for views and lists. A
    /// summary git cannot make (the agent broke the repository, say) is left out; the diff route says why.
    /// </summary>
    private async Task SummarizeChangesAsync(JobJournal journal, RunAs contained)
    {
        if (journal.Job is not { AgentProcessId: not null, BaseCommit: { } baseCommit } job)
        {
            return;
        }

        var stat = await changes.StatAsync(job.CowPath, baseCommit, contained, CancellationToken.None);
        if (stat.IsSuccess)
        {
            var summary = stat.Value.Summary;
            await journal.NoteAsync((j, now) => j.SummarizeChanges(summary.Files, summary.Additions, summary.Deletions, now));
        }
    }

    private static Decision Fail(string reason) => (job, now) => job.Stop(StopReason.Failed, reason, null, now);

    /// <summary>Indexes the workspace; a failure is recorded and the job goes on without semantic search.</summary>
    private async Task<CodeIndexResult> IndexAsync(JobJournal journal, RunAs identity, CancellationToken cancellationToken)
    {
        await journal.RecordAsync((j, now) => j.StartIndex(now));
        var started = journal.Now;
        var result = await codeIndex.PrepareAsync(
            journal.Job.CowPath, identity, () => journal.RecordAsync((j, now) => j.RecordIndexServicesStarted(now)), cancellationToken);
        await journal.RecordAsync((j, now) => j.RecordIndex(result.Ready, result.Reason, (now - started).TotalMilliseconds, now));
        return result;
    }

    /// <summary>
    /// Has the repository fast-forward its master (<see cref="PullRepository"/>, which stores the repository's facts
    /// itself); records what it came to, and returns the decision that ends the job if the pull failed.
    /// </summary>
    private async Task<Decision?> PullAsync(JobJournal journal, CancellationToken cancellationToken)
    {
        var job = journal.Job;
        if (!job.Options.GitAware)
        {
            await journal.NoteAsync((j, now) => j.SkipPull(now));
            return null;
        }

        await journal.RecordAsync((j, now) => j.StartPull(now));
        var outcome = await sender.Send(new PullRepository(job.Repository), cancellationToken);

        switch (outcome)
        {
            case { Status: PullStatus.Pulled, CommitHash: { } commit }:
                await journal.RecordAsync((j, now) => j.RecordPulled(commit, outcome.Changed, now));
                return null;
            case { Status: PullStatus.Failed }:
                return (j, now) => j.RecordPullFailed(outcome.Reason ?? "git pull failed.", now);
            default:
                await journal.RecordAsync((j, now) => j.RecordNotGitRepository(now));
                return null;
        }
    }
}
