using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Jobs;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Keeps <see cref="JobView"/> in step with each job stream, inline. The rules are the view's own
/// (<see cref="JobView.Next"/>); Marten's live aggregation (<c>history?at=</c>) runs them through this projection too.
/// </summary>
public sealed class JobViewProjection : SingleStreamProjection<JobView, string>
{
    /// <summary>The module's events only: an append to another kind of stream does not load this view.</summary>
    public JobViewProjection()
    {
        foreach (var type in DomainEvents.Of<JobCreated>())
        {
            IncludeType(type);
        }
    }

    public override JobView? Evolve(JobView? snapshot, string id, IEvent e) => JobView.Next(snapshot, e.Data);
}
