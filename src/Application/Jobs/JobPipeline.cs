using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Files;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Jobs;

/// <summary>The steps of a job, each recorded as it happens; returns the fact that ends the job.</summary>
public sealed class JobPipeline(
    IEventStore store,
    IMasterClones clones,
    IRepositoryLock locks,
    ISecretProtector secrets,
    IGitClient git,
    IWorkspaceCloner workspaces,
    ISystemPrompts prompts,
    IAgentRunner agent,
    IFileStaging staging,
    IJobIdentity identities,
    IAccountStates accounts,
    ICodeIndex codeIndex,
    IJobContainment containment,
    TimeProvider clock,
    JobPaths paths,
    Workspaces.WorkspaceOptions workspaceOptions)
{
    public async Task<object> RunAsync(Job job, JobJournal journal, CancellationToken cancellationToken)
    {
        var repository = await store.LoadRepositoryAsync(job.Repository, cancellationToken);
        if (!repository.IsRegistered)
        {
            return new JobFailed(job.JobId, $"Repository '{job.Repository}' is no longer registered.", null, journal.Now);
        }

        // Before anything is copied: an account locked, expired or removed since the job was queued runs nothing,
        // whatever Impersonation:Mode is.
        if (accounts.Current(job.User) is var state and not AccountState.Usable)
        {
            return new JobFailed(job.JobId, state.Refusal(job.User), null, journal.Now);
        }

        // Before anything is copied: a job never runs as the server's user by accident.
        var runAs = await identities.ResolveAsync(job.User, cancellationToken);
        if (runAs.Identity is not { } identity)
        {
            return new JobFailed(job.JobId, runAs.Refusal ?? $"User '{job.User}' cannot run jobs.", null, journal.Now);
        }

        if (await PullAsync(job, repository, journal, cancellationToken) is { } failed)
        {
            return failed;
        }

        // Refuse up front rather than fail halfway through a copy.
        var free = workspaces.AvailableBytes(job.CowPath);
        if (free < workspaceOptions.MinFreeBytes)
        {
            return new JobFailed(job.JobId,
                $"Not enough free space for the workspace: {free} bytes free on the jobs filesystem, Workspace:MinFreeBytes is {workspaceOptions.MinFreeBytes}.",
                null, journal.Now);
        }

        var copy = await workspaces.CloneAsync(clones.PathFor(job.Repository), job.CowPath, cancellationToken);
        await journal.RecordAsync(new WorkspacePrepared(job.JobId, job.CowPath, copy.Strategy, copy.FileCount, copy.Bytes, copy.Milliseconds, journal.Now));

        await staging.CopyIntoWorkspaceAsync(
            job.JobId, job.StagedFiles.Values.Select(f => (f.StoredName, f.FileName)), job.CowPath, cancellationToken);
        await identities.HandOverAsync(job.CowPath, identity, cancellationToken);
        var prompt = PromptPlaceholders.Resolve(job.Prompt, job.StagedFiles.Keys.ToList(), job.Images);
        await journal.RecordAsync(new PromptResolved(job.JobId, prompt, journal.Now));

        // Every process of the job (cidx steps, the agent, whatever they leave) runs in the job's containment.
        var contained = identity with { JobId = job.JobId };
        var indexed = false;
        try
        {
            await containment.OpenAsync(job.JobId, cancellationToken);
            var cidx = CodeIndexResult.Unavailable("cidxAware is false.");
            if (job.Options.CidxAware)
            {
                indexed = true;
                cidx = await IndexAsync(job, contained, journal, cancellationToken);
            }

            var systemPrompt = await prompts.ForAsync(
                new PromptContext(cidx.Ready, cidx.Ready ? "ready" : $"unavailable ({cidx.Reason})", job.Repository, job.CowPath), cancellationToken);
            var request = new AgentRequest(
                job.JobId, prompt, systemPrompt, job.CowPath, job.Options.Model, job.Options.MaxTurns,
                paths.AgentLog(job.JobId), paths.AgentErrorLog(job.JobId), contained, paths.Folder(job.JobId));
            var run = await agent.RunAsync(request, journal, cancellationToken);
            return run.Verdict(job.JobId, journal.Now);
        }
        finally
        {
            // Only once the agent has exited (or never started): its searches need the services up to the end.
            if (indexed)
            {
                var problem = await codeIndex.StopAsync(job.CowPath, contained, CancellationToken.None);
                await journal.RecordAsync(new CodeIndexStopped(job.JobId, problem, journal.Now));
            }

            // Before the job's end is recorded: nothing it started outlives it, whatever ended it.
            await containment.CloseAsync(job.JobId, CancellationToken.None);
        }
    }

    /// <summary>Brings the master's index up to date after a pull changed it (the caller holds the repository's lock).</summary>
    private async Task ReindexMasterAsync(string name, JobJournal journal, CancellationToken cancellationToken)
    {
        store.Append(RepositoryStream.For(name), new RepositoryIndexStarted(name, journal.Now));
        await store.SaveChangesAsync(cancellationToken);
        await MasterIndexing.IndexAsync(store, codeIndex, clones, name, clock, cancellationToken);
        await store.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Indexes the workspace; a failure is recorded and the job goes on without semantic search.</summary>
    private async Task<CodeIndexResult> IndexAsync(Job job, RunAs identity, JobJournal journal, CancellationToken cancellationToken)
    {
        await journal.RecordAsync(new CodeIndexStarted(job.JobId, journal.Now));
        var started = journal.Now;
        var result = await codeIndex.PrepareAsync(
            job.CowPath, identity, () => journal.RecordAsync(new CodeIndexServicesStarted(job.JobId, journal.Now)), cancellationToken);
        await journal.RecordAsync(result.Ready
            ? new CodeIndexReady(job.JobId, (journal.Now - started).TotalMilliseconds, journal.Now)
            : new CodeIndexFailed(job.JobId, result.Reason ?? "cidx is not ready.", journal.Now));
        return result;
    }

    /// <summary>Fast-forwards the master clone under its lock; returns the failure that ends the job, if any.</summary>
    private async Task<object?> PullAsync(Job job, Repository repository, JobJournal journal, CancellationToken cancellationToken)
    {
        if (!job.Options.GitAware)
        {
            await journal.RecordAsync(new GitPullSkipped(job.JobId, GitStatus.NotChecked, "gitAware is false.", journal.Now));
            return null;
        }

        await journal.RecordAsync(new GitPullStarted(job.JobId, journal.Now));
        PullOutcome outcome;
        await using (await locks.AcquireAsync(job.Repository, cancellationToken))
        {
            outcome = await git.FastForwardAsync(clones.PathFor(job.Repository), secrets.SourceOf(repository), cancellationToken);
            if (outcome is { Status: PullStatus.Pulled, CommitHash: { } commit })
            {
                store.Append(RepositoryStream.For(job.Repository), new RepositoryPulled(job.Repository, commit, outcome.Changed, journal.Now));
                await journal.RecordAsync(new GitPulled(job.JobId, commit, outcome.Changed, journal.Now));
                if (outcome.Changed && repository.CidxAware)
                {
                    await ReindexMasterAsync(job.Repository, journal, cancellationToken);
                }
            }
        }

        return outcome.Status switch
        {
            PullStatus.NotGitRepo => await SkipAsync(),
            PullStatus.Failed => new GitPullFailed(job.JobId, outcome.Reason ?? "git pull failed.", journal.Now),
            _ => null,
        };

        async Task<object?> SkipAsync()
        {
            await journal.RecordAsync(new GitPullSkipped(job.JobId, GitStatus.NotGitRepo, "The repository folder is not a git repository.", journal.Now));
            return null;
        }
    }
}
