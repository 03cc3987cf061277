using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using Marten.Events.Aggregation;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>Keeps <see cref="RepositoryView"/> in step with each repository stream, in the same transaction.</summary>
public sealed partial class RepositoryViewProjection : SingleStreamProjection<RepositoryView, string>
{
    public static RepositoryView Create(RepositoryRegistered registered) => RepositoryView.From(registered);

    public static void Apply(RepositoryCloned cloned, RepositoryView view) => view.Apply(cloned);

    public static void Apply(RepositoryCloneFailed failed, RepositoryView view) => view.Apply(failed);

    public static void Apply(RepositoryPulled pulled, RepositoryView view) => view.Apply(pulled);

    public static void Apply(RepositoryIndexStarted started, RepositoryView view) => view.Apply(started);

    public static void Apply(RepositoryIndexed indexed, RepositoryView view) => view.Apply(indexed);

    public static bool ShouldDelete(RepositoryUnregistered unregistered) => true;
}
