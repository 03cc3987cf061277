using ClaudeBatch.Domain.Jobs;
using Marten;
using Marten.Services;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// A Marten commit listener that drops from <see cref="JobViewCache"/> the view of every job stream a commit of this
/// server appended to, before the commit returns to its caller: this server never serves its own change late. (Other
/// servers' commits, and this one's too, arrive a moment later as notifications, see <see cref="JobViewListener"/>.)
/// </summary>
internal sealed class JobViewCommits(JobViewCache cache) : DocumentSessionListenerBase
{
    private static readonly string Prefix = JobStream.For("");

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var e in commit.GetEvents())
        {
            if (e.StreamKey is { } key && key.StartsWith(Prefix, StringComparison.Ordinal))
            {
                cache.Changed(key);
            }
        }

        return Task.CompletedTask;
    }
}
