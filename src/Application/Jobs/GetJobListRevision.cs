using Mediator;

namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The caller's revision of their jobs (<see cref="IJobRevisions.OfUserAsync"/>): any change to any page of
/// <see cref="ListJobs"/>, or to its total, raises it, and it never goes back. The queue positions of the caller's
/// waiting jobs change with other users' jobs as well, so they come with it, as <see cref="Response.Queue"/>.
/// </summary>
public sealed record GetJobListRevision(string User) : IQuery<GetJobListRevision.Response>
{
    /// <param name="Revision">The user's revision of their jobs.</param>
    /// <param name="Counted">How many of their jobs the kept counts hold, of which the lists' totals are.</param>
    /// <param name="Queue">The places of the user's waiting jobs, as a short text that changes whenever one of them does.</param>
    public sealed record Response(long Revision, long Counted, string Queue);

    public sealed class Handler(IJobRevisions revisions, IQueuePosition positions) : IQueryHandler<GetJobListRevision, Response>
    {
        public async ValueTask<Response> Handle(GetJobListRevision query, CancellationToken cancellationToken)
        {
            var (revision, counted, queued) = await revisions.OfUserAsync(query.User, cancellationToken);
            // Most polls are of users with nothing queued: the kept count says so without ordering the queue.
            if (queued == 0)
            {
                return new Response(revision, counted, "0");
            }

            return new Response(revision, counted, QueueOf(await positions.OfUserAsync(query.User, cancellationToken)));
        }
    }

    /// <summary>The <see cref="Response.Queue"/> of the places of a user's waiting jobs (job id → place).</summary>
    public static string QueueOf(IReadOnlyDictionary<string, int> places)
    {
        if (places.Count == 0)
        {
            return "0";
        }

        var queue = string.Join(',', places.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(queue)))[..12];
    }
}
