using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// <c>POST /jobs/{id}/push</c>: the job's user commits the workspace's changes on the base commit; the server takes
/// the commit's objects into the repository's master clone and pushes it from there to origin as a new branch, with the
/// registration's credentials. Both steps are recorded on the job: <see cref="ChangesCommitted"/>, then
/// <see cref="BranchPushed"/> or <see cref="PushFailed"/>.
/// </summary>
public sealed record PushJobChanges(string JobId, string User, string? Branch, string? Message, bool Force) : ICommand<Result<PushJobChanges.Response>>
{
    public const int MaxMessageLength = 10_000;

    public sealed record Response(string Branch, string Commit, bool Pushed);

    // A message may quote the prompt, which is private: never print it.
    public override string ToString() => $"PushJobChanges {{ JobId = {JobId}, User = {User}, Branch = {Branch}, Force = {Force} }}";

    public sealed class Validator : AbstractValidator<PushJobChanges>
    {
        public Validator()
        {
            RuleFor(x => x.Message!).NotEmpty().MaximumLength(MaxMessageLength).MustNotContainNul().When(x => x.Message is not null);
        }
    }

    public sealed class Handler(
        IEventStore store, IReadModels readModels, IJobIdentity identities, IWorkspaceCommits commits, ISender sender, TimeProvider clock)
        : ICommandHandler<PushJobChanges, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(PushJobChanges command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            var plan = job.IsSuccess ? job.Value.PlanPush(command.Branch, command.Force) : job.Error;
            var workspace = plan.IsSuccess ? await readModels.ResolveWorkspaceAsync(identities, command.JobId, command.User, cancellationToken) : plan.Error;
            if (!workspace.IsSuccess)
            {
                return workspace.Error;
            }

            var (branch, (view, identity)) = (plan.Value!, workspace.Value);
            var baseCommit = job.Value!.BaseCommit!;
            var author = new CommitAuthor(identity.User, $"{identity.User}@claude-batch.invalid");
            var message = command.Message ?? job.Value.DefaultCommitMessage();
            var committed = await commits.CommitAsync(view.CowPath, baseCommit, identity, author, message, cancellationToken);
            if (!committed.IsSuccess)
            {
                return committed.Error;
            }

            using var changes = committed.Value!;
            var recorded = job.Value.RecordCommit(changes.Commit, author.Name, message, clock.GetUtcNow());
            if (!recorded.IsSuccess)
            {
                return recorded.Error;
            }

            // Only if nothing happened to the job meanwhile: a follow-up turn queued since it was read makes this a 409, before any push.
            store.AppendExpecting(JobStream.For(command.JobId), job.Value.Version, recorded.Value!);
            await store.SaveChangesAsync(cancellationToken);

            // Once the commit is recorded its push is recorded too, whether or not the client still listens.
            var pushed = await sender.Send(new PushCommit(job.Value.Repository, changes, baseCommit, branch, command.Force), CancellationToken.None);
            store.Append(JobStream.For(command.JobId),
                job.Value.RecordPush(branch, changes.Commit, command.Force, pushed.IsSuccess ? null : pushed.Error.Message, clock.GetUtcNow()));
            await store.SaveChangesAsync(CancellationToken.None);
            return pushed.IsSuccess ? new Response(branch, changes.Commit, true) : pushed.Error;
        }
    }
}
