using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Creates a job against a repository whose master clone is ready. Nothing runs until it is started. <see cref="Uid"/> is
/// the caller's account's, as their credential has it: the job runs only while the account under the name is still that one.
/// </summary>
public sealed record CreateJob(
    string User, string Prompt, string Repository, IReadOnlyList<string> Images,
    int? TimeoutSeconds, bool GitAware, bool CidxAware, string? Model, int? MaxTurns, int? Uid = null)
    : ICommand<Result<CreateJob.Response>>
{
    public const int MaxPromptLength = 100_000;

    public sealed record Response(string JobId, JobStatus Status, string User, string CowPath);

    // Prompts can be long and private: never print them.
    public override string ToString() => $"CreateJob {{ User = {User}, Repository = {Repository} }}";

    public sealed class Validator : AbstractValidator<CreateJob>
    {
        public Validator(JobsOptions options)
        {
            RuleFor(x => x.Prompt).NotEmpty().MaximumLength(MaxPromptLength).MustNotContainNul();
            RuleFor(x => x.Repository).MustBeARepositoryName();
            RuleFor(x => x.TimeoutSeconds).InclusiveBetween(1, options.TimeoutHours * 3600)
                .WithMessage($"'Timeout' must be between 1 and {options.TimeoutHours * 3600} seconds (Jobs:TimeoutHours).");
            RuleFor(x => x.MaxTurns).InclusiveBetween(1, 1000);
            RuleFor(x => x.Model).Matches(@"^[A-Za-z0-9][A-Za-z0-9._:\[\]-]{0,99}\z").When(x => x.Model is not null);
            RuleFor(x => x.Images).Must(images => images.Count <= 100).WithMessage("At most 100 images.");
            // Stop at the first failure: a null entry (JSON null in the list) must not reach the checks below.
            RuleForEach(x => x.Images).Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(255)
                .Must(name => !name.Contains('/') && !name.Contains('\\') && name is not ("." or "..") && !name.Any(char.IsControl))
                .WithMessage("'Images' must name uploaded files, without any path.");
        }
    }

    public sealed class Handler(
        IEventStore store, IReadModels readModels, JobPaths paths, JobsOptions options, Identity.IAccountDirectory accounts, TimeProvider clock)
        : ICommandHandler<CreateJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(CreateJob command, CancellationToken cancellationToken)
        {
            var repository = await readModels.LoadAsync<RepositoryView>(command.Repository, cancellationToken);
            if (repository is null)
            {
                return RepositoryErrors.NamedInRequest(command.Repository);
            }

            if (repository.CloneStatus != CloneStatus.Completed)
            {
                return DomainError.Conflict(
                    "repository-not-ready", $"Repository '{command.Repository}' is {repository.CloneStatus.ToString().ToLowerInvariant()}, not ready for jobs.");
            }

            // A credential issued before it carried the uid: the account under the name now is the one it was checked against.
            var uid = command.Uid ?? (await accounts.FindAsync(command.User, cancellationToken))?.Uid;
            var jobId = Guid.NewGuid().ToString();
            var created = Job.Create(
                jobId, command.User, command.Repository, command.Prompt, command.Images,
                new JobOptions(command.TimeoutSeconds ?? options.DefaultTimeoutSeconds, command.GitAware, command.CidxAware, command.Model, command.MaxTurns),
                paths.Workspace(jobId), clock.GetUtcNow(), options.NodeName, uid);
            store.AppendExpecting(JobStream.For(jobId), 0, created);
            await store.SaveChangesAsync(cancellationToken);
            return new Response(jobId, JobStatus.Created, command.User, created.CowPath);
        }
    }
}
