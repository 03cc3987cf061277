using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Files;

/// <summary>
/// Streams one uploaded file into the job's staging folder and records <see cref="FileStaged"/> (name, stored name,
/// type, size, SHA-256). Only before the job starts; a name in use needs <see cref="Overwrite"/>.
/// </summary>
public sealed record StageFile(string JobId, string User, string? FileName, string ContentType, Stream Content, bool Overwrite)
    : ICommand<Result<StagedFile>>
{
    /// <summary>The file name is the domain's to judge (<see cref="Domain.Files.FileName"/>); the part's declared type is kept as sent.</summary>
    public sealed class Validator : AbstractValidator<StageFile>
    {
        public Validator() => RuleFor(x => x.ContentType).MustNotContainNul();
    }

    public sealed class Handler(IEventStore store, IFileStaging staging, UploadsOptions options, TimeProvider clock)
        : ICommandHandler<StageFile, Result<StagedFile>>
    {
        public async ValueTask<Result<StagedFile>> Handle(StageFile command, CancellationToken cancellationToken)
        {
            var name = Domain.Files.FileName.Validate(command.FileName);
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            if (!name.IsSuccess)
            {
                return name.Error;
            }

            var allowance = job.Value.AllowUpload(name.Value, command.Overwrite, options.MaxJobBytes);
            if (!allowance.IsSuccess)
            {
                return allowance.Error;
            }

            var limit = Math.Min(options.MaxFileBytes, allowance.Value);
            var storedName = Guid.NewGuid().ToString("N");
            var saved = await staging.SaveAsync(command.JobId, storedName, command.Content, limit, cancellationToken);
            if (saved is null)
            {
                return new DomainError("file-too-large",
                    $"'{name.Value}' is larger than the {limit} bytes allowed (Uploads:MaxFileBytes {options.MaxFileBytes}, Uploads:MaxJobBytes {options.MaxJobBytes} per job).",
                    ErrorKind.TooLarge);
            }

            var staged = job.Value.Stage(name.Value, storedName, command.ContentType, saved.Size, saved.Sha256, clock.GetUtcNow());
            store.AppendExpecting(JobStream.For(command.JobId), job.Value.Version, staged);
            try
            {
                await store.SaveChangesAsync(cancellationToken);
            }
            catch
            {
                staging.Delete(command.JobId, storedName);
                throw;
            }

            if (job.Value.StagedFiles.GetValueOrDefault(name.Value) is { } replaced)
            {
                staging.Delete(command.JobId, replaced.StoredName);
            }

            return StagedFile.From(staged, staging.PathOf(command.JobId, storedName));
        }
    }
}
