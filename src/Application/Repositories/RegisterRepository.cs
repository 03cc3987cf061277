using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Repositories;

/// <summary>Registers a repository and enqueues its clone in the same transaction.</summary>
public sealed record RegisterRepository(string Name, string GitUrl, string Description, bool CidxAware, string User)
    : ICommand<Result<RepositoryView>>
{
    public const int MaxDescriptionLength = 1000;

    // The URL may carry credentials: never print it.
    public override string ToString() => $"RegisterRepository {{ Name = {Name}, User = {User} }}";

    public sealed class Validator : AbstractValidator<RegisterRepository>
    {
        public Validator(RepositoriesOptions options)
        {
            RuleFor(x => x.Name).MustBeARepositoryName();
            RuleFor(x => x.Description).MaximumLength(MaxDescriptionLength).MustNotContainNul();
            RuleFor(x => x.GitUrl).NotEmpty().MaximumLength(2048).Custom((url, context) =>
            {
                var source = GitSource.Parse(url);
                if (!source.IsSuccess)
                {
                    context.AddFailure(source.Error.Message);
                }
                else if (source.Value.Kind == GitSourceKind.Local && !IsAllowedLocal(source.Value.LocalPath, options))
                {
                    context.AddFailure(options.AllowLocalSources
                        ? "'gitUrl' is a local path outside Repositories:AllowedLocalRoots."
                        : "'gitUrl' is a local path; local sources are disabled (Repositories:AllowLocalSources).");
                }
            });
        }

        private static bool IsAllowedLocal(string path, RepositoriesOptions options) =>
            options.AllowLocalSources && LocalRoots.Contains(options.AllowedLocalRoots, path);
    }

    public sealed class Handler(
        IEventStore store, IMasterClones clones, ISecretProtector secrets, IHostResolver hosts, RepositoriesOptions options, TimeProvider clock)
        : ICommandHandler<RegisterRepository, Result<RepositoryView>>
    {
        public async ValueTask<Result<RepositoryView>> Handle(RegisterRepository command, CancellationToken cancellationToken)
        {
            var source = GitSource.Parse(command.GitUrl).Value!;
            if (await PrivateNetworks.RefusalAsync(source, options, hosts, cancellationToken) is { } refused)
            {
                return refused;
            }

            var existing = await store.LoadRepositoryAsync(command.Name, cancellationToken);
            var credentials = source.HasCredentials ? secrets.Protect($"{source.Username}:{source.Password}") : null;

            var registered = existing.Register(
                command.Name, source.Url, credentials, command.Description, command.CidxAware,
                clones.PathFor(command.Name), command.User, clock.GetUtcNow());
            if (!registered.IsSuccess)
            {
                return registered.Error;
            }

            store.AppendExpecting(RepositoryStream.For(command.Name), existing.Version, registered.Value);
            await store.EnqueueAsync(new CloneRepository(command.Name));
            await store.SaveChangesAsync(cancellationToken);
            return RepositoryView.From(registered.Value);
        }
    }
}
