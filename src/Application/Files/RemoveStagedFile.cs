using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Files;

public sealed record RemoveStagedFile(string JobId, string User, string FileName) : ICommand<Result<RemoveStagedFile.Response>>
{
    public sealed record Response(bool Success, string Filename);

    public sealed class Handler(IEventStore store, IFileStaging staging, TimeProvider clock) : ICommandHandler<RemoveStagedFile, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(RemoveStagedFile command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var removed = job.Value.RemoveStagedFile(command.FileName, clock.GetUtcNow());
            if (!removed.IsSuccess)
            {
                return removed.Error;
            }

            store.AppendExpecting(JobStream.For(command.JobId), job.Value.Version, removed.Value);
            await store.SaveChangesAsync(cancellationToken);
            staging.Delete(command.JobId, removed.Value.StoredName);
            return new Response(true, command.FileName);
        }
    }
}
