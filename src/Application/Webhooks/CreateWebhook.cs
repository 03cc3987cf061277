using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Webhooks;
using FluentValidation;
using Mediator;

namespace ClaudeBatch.Application.Webhooks;

/// <summary>
/// Subscribes a URL of the caller's to some of their events. The signing secret is made here, stored encrypted, and
/// returned this once.
/// </summary>
public sealed record CreateWebhook(string Url, IReadOnlyList<string> Events, string User) : ICommand<Result<CreateWebhook.Created>>
{
    public const int MaxEvents = 16;

    // The URL may carry a token in its query: never print it.
    public override string ToString() => $"CreateWebhook {{ User = {User} }}";

    /// <summary>The 201's body: the only response that ever holds the secret.</summary>
    public sealed record Created(string Id, string Url, IReadOnlyList<string> Events, string Secret)
    {
        public override string ToString() => $"Created {{ Id = {Id} }}";
    }

    public sealed class Validator : AbstractValidator<CreateWebhook>
    {
        public Validator()
        {
            RuleFor(x => x.Url).NotEmpty().MaximumLength(WebhookTargets.MaxUrlLength).MustNotContainNul()
                .Custom((url, context) =>
                {
                    if (WebhookTargets.Malformed(url) is { } problem)
                    {
                        context.AddFailure(problem);
                    }
                });
            RuleFor(x => x.Events).NotEmpty().WithMessage("'events' must name at least one event.")
                .Must(e => e.Count <= MaxEvents).WithMessage($"'events' may name at most {MaxEvents} events.");
            RuleForEach(x => x.Events).Must(WebhookEventTypes.IsKnown)
                .WithMessage((_, name) => $"'{name}' is not an event; the events are {string.Join(", ", WebhookEventTypes.All)}.");
        }
    }

    public sealed class Handler(
        IEventStore store, IWebhookSecrets secrets, ISecretProtector protector, IHostResolver hosts, WebhooksOptions options, TimeProvider clock)
        : ICommandHandler<CreateWebhook, Result<Created>>
    {
        public async ValueTask<Result<Created>> Handle(CreateWebhook command, CancellationToken cancellationToken)
        {
            var url = new Uri(command.Url);
            if (await WebhookTargets.RefusalAsync(url, options, hosts, cancellationToken) is { } refused)
            {
                return refused;
            }

            var id = Guid.NewGuid().ToString("N");
            var secret = WebhookSignature.NewSecret();
            var events = command.Events.Distinct(StringComparer.Ordinal).ToList();
            store.AppendExpecting(WebhookStream.For(id), 0, new WebhookSubscribed(id, command.User, command.Url, events, clock.GetUtcNow()));
            secrets.Store(id, protector.Protect(secret));
            await store.SaveChangesAsync(cancellationToken);
            return new Created(id, command.Url, events, secret);
        }
    }
}
