using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// Keeps <see cref="RepositoryView"/> in step with each repository stream, in the same transaction; the rules are the
/// view's own (<see cref="RepositoryView.Next"/>), and an unregistered repository's view is deleted.
/// </summary>
public sealed class RepositoryViewProjection : SingleStreamProjection<RepositoryView, string>
{
    /// <summary>The module's events only: an append to another kind of stream does not load this view.</summary>
    public RepositoryViewProjection()
    {
        foreach (var type in DomainEvents.Of<RepositoryRegistered>())
        {
            IncludeType(type);
        }
    }

    public override RepositoryView? Evolve(RepositoryView? snapshot, string id, IEvent e) => RepositoryView.Next(snapshot, e.Data);
}
