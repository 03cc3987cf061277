namespace ClaudeBatch.Application.Jobs;

/// <summary>Where a request for a job's files is answered.</summary>
public abstract record JobNodeRoute
{
    /// <summary>Here: the files are on this node's disk, or where they are is unknown, or the request was already forwarded once.</summary>
    public sealed record Here : JobNodeRoute;

    /// <summary>By the node at <paramref name="Destination"/>, which holds the files.</summary>
    public sealed record Forward(string Node, Uri Destination) : JobNodeRoute;

    /// <summary>Nowhere now: the node holding the files cannot be reached (503 naming it).</summary>
    public sealed record Unavailable(string Node, string Reason) : JobNodeRoute;
}

/// <summary>The rule that picks <see cref="JobNodeRoute"/>: pure, so it is tested without servers.</summary>
public static class JobNodeRouting
{
    /// <summary>
    /// A request for a job whose files are on <paramref name="filesNode"/>, arriving at <paramref name="self"/>:
    /// answered here when they are here (or nobody knows where), or when another node already forwarded it (a forwarded
    /// request is never forwarded again, so two nodes that disagree cannot bounce it between them); otherwise forwarded
    /// to that node's <c>Jobs:NodeUrl</c> while it is alive, or refused as unavailable.
    /// </summary>
    public static JobNodeRoute Decide(string self, string? filesNode, bool alreadyForwarded, NodeInfo? node)
    {
        if (filesNode is null || filesNode == self || alreadyForwarded)
        {
            return new JobNodeRoute.Here();
        }

        if (node is not { Alive: true })
        {
            return new JobNodeRoute.Unavailable(filesNode, "is not running");
        }

        return Uri.TryCreate(node.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? new JobNodeRoute.Forward(filesNode, url)
            : new JobNodeRoute.Unavailable(filesNode, "has no Jobs:NodeUrl the other nodes can reach it at");
    }
}
