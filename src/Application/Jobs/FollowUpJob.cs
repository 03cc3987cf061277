using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Answers a finished job (DESIGN.md §7 "Job outcomes"): its next turn is queued like a start — the same caps, the same
/// durable <see cref="RunJob"/> — and its pipeline resumes the agent's session in the job's workspace.
/// </summary>
public sealed record FollowUpJob(string JobId, string User, string Prompt) : ICommand<Result<FollowUpJob.Response>>
{
    public sealed record Response(string JobId, JobStatus Status, int Turn, int QueuePosition);

    // Prompts can be long and private: never print them.
    public override string ToString() => $"FollowUpJob {{ JobId = {JobId}, User = {User} }}";

    public sealed class Validator : AbstractValidator<FollowUpJob>
    {
        public Validator() => RuleFor(x => x.Prompt).NotEmpty().MaximumLength(CreateJob.MaxPromptLength).MustNotContainNul();
    }

    public sealed class Handler(IEventStore store, IStartLock starts, IQueuePosition positions, IJobCounts counts, JobsOptions options, TimeProvider clock)
        : ICommandHandler<FollowUpJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(FollowUpJob command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var followUp = job.Value.FollowUp(command.Prompt, command.User, clock.GetUtcNow());
            if (!followUp.IsSuccess)
            {
                return followUp.Error;
            }

            // As a start: the same caps, the turn and its message in one commit.
            var refusal = await StartJob.QueueAsync(store, starts, counts, options, job.Value, command.User, followUp.Value, cancellationToken);
            if (refusal is not null)
            {
                return refusal;
            }

            return new Response(command.JobId, JobStatus.Queued, followUp.Value.Turn, await positions.OfAsync(command.JobId, cancellationToken));
        }
    }
}
