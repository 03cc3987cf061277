using ClaudeBatch.Application.Webhooks;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Webhooks;

/// <summary>
/// Whether a webhook event has anyone to go to: its subject's owner (a job's user, a repository's registrant) has an
/// enabled subscription to it. The event store asks before the fact commits and enqueues no <see cref="NotifyWebhooks"/>
/// nobody would receive (issue #20: two durable messages per job, each stored, taken, handled and marked, for users with
/// no webhook). A subscription stored before the fact's commit starts is seen; one stored at the same moment as the fact
/// may miss that one event, as it would had it been stored a moment later. The owners and the subscription rule are
/// those of <see cref="NotifyWebhooks.Handler"/> and <see cref="MartenWebhookList.SubscribedAsync"/>, asked in one
/// statement: a change to either changes this too (<c>WebhookAudienceTests</c> and the delivery tests fail otherwise).
/// </summary>
internal sealed class WebhookAudience(NpgsqlDataSource database)
{
    private const string Schema = PersistenceRegistration.SchemaName;

    private const string JobOwner = $"""select "user" from {Schema}.mt_doc_jobview where id = $1""";

    private const string RepositoryOwner = $"select data ->> 'registeredBy' from {Schema}.mt_doc_repositoryview where id = $1";

    private static readonly string JobSql = Heard(JobOwner);

    private static readonly string RepositorySql = Heard(RepositoryOwner);

    private static string Heard(string owner) => $"""
        select exists (select 1 from {Schema}.mt_doc_webhookview w
          where w."user" = ({owner})
            and w.data -> 'events' @> jsonb_build_array($2::text)
            and coalesce((w.data ->> 'disabled')::boolean, false) = false)
        """;

    public async Task<bool> IsHeardAsync(NotifyWebhooks notification, CancellationToken cancellationToken)
    {
        var ofJob = notification.EventType.StartsWith("job.", StringComparison.Ordinal);
        await using var command = database.CreateCommand(ofJob ? JobSql : RepositorySql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ofJob ? JobStream.For(notification.Subject) : notification.Subject });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = notification.EventType });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}
