using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// Which node's disk holds the user's job's folder (its staged uploads, its workspace): the node that ran its latest
/// turn, else the one it was created on. Null when the job is not the user's (the route answers its own 404) or was
/// created before nodes were recorded (any node answers it, as before).
/// </summary>
public sealed record LocateJobFiles(string JobId, string User) : IQuery<string?>
{
    public static string? NodeOf(JobView view) => view.Node ?? view.Home;

    public sealed class Handler(IReadModels readModels) : IQueryHandler<LocateJobFiles, string?>
    {
        public async ValueTask<string?> Handle(LocateJobFiles query, CancellationToken cancellationToken) =>
            await readModels.LoadAsync<JobView>(JobStream.For(query.JobId), cancellationToken) is { Deleted: false } view && view.User == query.User
                ? NodeOf(view)
                : null;
    }
}
