using System.Diagnostics;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// The job's own spans (the agent's run), children of the Wolverine span that handles its <c>RunJob</c>, itself a child
/// of the request that queued the job: Wolverine carries the request's trace context on the message's envelope.
/// </summary>
public static class JobTracing
{
    public const string SourceName = "ClaudeBatch.Jobs";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// What the agent is told of the trace it runs in: the W3C <c>TRACEPARENT</c> (and <c>TRACESTATE</c>) variables,
    /// which Claude Code reads to make its own spans children of ours. Nothing but ids and flags.
    /// </summary>
    internal static void Propagate(Activity? activity, IDictionary<string, string> environment)
    {
        if (activity is not { IdFormat: ActivityIdFormat.W3C, Id: { } id })
        {
            return;
        }

        environment["TRACEPARENT"] = id;
        if (activity.TraceStateString is { Length: > 0 } state)
        {
            environment["TRACESTATE"] = state;
        }
    }
}
