using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>Queues a created job: <see cref="JobQueued"/> and the durable <see cref="RunJob"/> message commit together.</summary>
public sealed record StartJob(string JobId, string User) : ICommand<Result<StartJob.Response>>
{
    public sealed record Response(string JobId, JobStatus Status, int QueuePosition);

    public sealed class Handler(IEventStore store, IReadModels readModels, TimeProvider clock) : ICommandHandler<StartJob, Result<Response>>
    {
        public async ValueTask<Result<Response>> Handle(StartJob command, CancellationToken cancellationToken)
        {
            var job = await store.LoadOwnJobAsync(command.JobId, command.User, cancellationToken);
            if (!job.IsSuccess)
            {
                return job.Error;
            }

            var queued = job.Value.Start(clock.GetUtcNow());
            if (!queued.IsSuccess)
            {
                return queued.Error;
            }

            store.AppendExpecting(JobStream.For(command.JobId), job.Value.Version, queued.Value);
            await store.EnqueueAsync(new RunJob(command.JobId));
            await store.SaveChangesAsync(cancellationToken);

            var view = await readModels.LoadAsync<JobView>(JobStream.For(command.JobId), cancellationToken);
            return new Response(command.JobId, JobStatus.Queued, view is null ? 1 : await readModels.QueuePositionAsync(view, cancellationToken));
        }
    }
}
