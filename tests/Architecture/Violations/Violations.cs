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

namespace ClaudeBatch.Architecture.Tests.Violations.TouchesTheFileSystem
{
    public sealed class ReadsAFileDirectly
    {
        public string Read(string path) => File.ReadAllText(path);
    }

    public sealed class ListsAFolder
    {
        public int Count(string path) => new DirectoryInfo(path).GetFiles().Length;
    }

    public sealed class OpensAFileStream
    {
        public Stream Open(string path) => new FileStream(path, FileMode.Open);
    }

    /// <summary>Allowed: naming a path and passing a stream someone else opened.</summary>
    public sealed class NamesPathsAndPassesStreams
    {
        public string Name(string root, string file) => Path.Combine(root, file);

        public Task CopyAsync(Stream from, Stream to) => from.CopyToAsync(to);
    }
}

namespace ClaudeBatch.Architecture.Tests.Violations.ReachesIntoAnotherModule
{
    using ClaudeBatch.Application.Common;
    using ClaudeBatch.Application.Repositories;

    /// <summary>Sends nothing: calls the Repositories module's handler itself.</summary>
    public sealed class CallsAnotherModulesHandler(PullRepository.Handler handler)
    {
        public ValueTask<PullOutcome> Pull(string name) => handler.Handle(new PullRepository(name), CancellationToken.None);
    }

    /// <summary>Rebuilds the Repositories module's aggregate with its helper.</summary>
    public sealed class RebuildsAnotherModulesAggregate(IEventStore store)
    {
        public async Task<bool> Registered(string name) => (await store.LoadRepositoryAsync(name, CancellationToken.None)).IsRegistered;
    }

    /// <summary>Drives the Jobs module's pipeline (a service) from outside it.</summary>
    public sealed class UsesAnotherModulesService(ClaudeBatch.Application.Jobs.JobPipeline pipeline)
    {
        public ClaudeBatch.Application.Jobs.JobPipeline Pipeline { get; } = pipeline;
    }
}

namespace ClaudeBatch.Architecture.Tests.Violations.UsesAnotherModulesContract
{
    using ClaudeBatch.Application.Repositories;
    using FluentValidation;
    using Mediator;

    /// <summary>Allowed: another module's command, result, port, view, events and name rules.</summary>
    public sealed class SendsCommandsAndUsesPorts(ISender sender, IRepositoryLock locks)
    {
        public async Task<string?> PullAsync(string name)
        {
            await using (await locks.AcquireSharedAsync(name, CancellationToken.None))
            {
                var outcome = await sender.Send(new PullRepository(name));
                return outcome.Status == PullStatus.Pulled ? outcome.CommitHash : null;
            }
        }

        public string? Commit(RepositoryView view, ClaudeBatch.Domain.Repositories.RepositoryPulled pulled) => view.CommitHash ?? pulled.CommitHash;
    }

    public sealed class ValidatesARepositoryName : AbstractValidator<string>
    {
        public ValidatesARepositoryName() => RuleFor(x => x).MustBeARepositoryName();
    }
}

namespace ClaudeBatch.Architecture.Tests.Violations.HoldsAnotherModulesAggregate
{
    /// <summary>A domain type of another module holding the Repository aggregate rather than its name.</summary>
    public sealed record JobWithItsRepository(ClaudeBatch.Domain.Repositories.Repository Repository);
}
