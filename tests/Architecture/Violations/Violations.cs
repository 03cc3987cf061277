// Deliberate breaches of the layer rules. They exist only so the rule tests can prove each rule can fail;
// nothing calls them.
using System.Diagnostics;

namespace ClaudeBatch.Architecture.Tests.Violations.StartsAProcess
{
    public sealed class RunsGitDirectly
    {
        public Process Start() => Process.Start("git", "status");
    }
}

namespace ClaudeBatch.Architecture.Tests.Violations.UsesMarten
{
    public sealed class QueriesTheDatabase(Marten.IQuerySession session)
    {
        public Marten.IQuerySession Session { get; } = session;
    }
}

namespace ClaudeBatch.Architecture.Tests.Violations.KnowsTheApi
{
    public sealed class ReachesIntoTheApi
    {
        public Type Problems() => typeof(ClaudeBatch.Api.Errors.ProblemTypes);
    }
}

namespace ClaudeBatch.Architecture.Tests.Violations.UsesTheMediator
{
    public sealed record DomainObjectThatIsACommand : Mediator.ICommand<int>;
}

namespace ClaudeBatch.Architecture.Tests.Violations.TakesQueryShapes
{
    public interface IQueriesByShape
    {
        Task<IReadOnlyList<T>> QueryAsync<T>(Func<System.Linq.IQueryable<T>, System.Linq.IQueryable<T>> shape, CancellationToken cancellationToken);
    }

    public sealed class FiltersAQueryable
    {
        public int CountEven(int[] numbers) => System.Linq.Queryable.Count(System.Linq.Queryable.AsQueryable(numbers), n => n % 2 == 0);
    }
}
