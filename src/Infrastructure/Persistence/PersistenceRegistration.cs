using ClaudeBatch.Application.Identity;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Infrastructure.Repositories;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Weasel.Core;
using Wolverine.Marten;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>Marten as event store and document store, integrated with Wolverine's outbox; schema applied on start.</summary>
public static class PersistenceRegistration
{
    public const string SchemaName = "claudebatch";

    public static IServiceCollection AddPersistence(this IServiceCollection services)
    {
        services.AddMarten(sp =>
            {
                var configuration = sp.GetRequiredService<IConfiguration>();
                var connectionString = configuration.GetConnectionString("Postgres");
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "ConnectionStrings:Postgres is not set; set ConnectionStrings__Postgres to a PostgreSQL connection string.");
                }

                var options = CreateStoreOptions(connectionString);
                options.Listeners.Add(sp.GetRequiredService<Jobs.JobChangeSignals>());
                options.Listeners.Add(new Jobs.JobViewCommits(sp.GetRequiredService<Jobs.JobViewCache>()));
                return options;
            })
            .UseLightweightSessions()
            .IntegrateWithWolverine()
            .ApplyAllDatabaseChangesOnStartup();

        services.AddScoped<Application.Common.IEventStore, MartenEventStore>();
        services.AddSingleton<Webhooks.WebhookAudience>();
        services.AddSingleton<Application.Common.IEventStoreFactory, ScopedEventStoreFactory>();
        services.AddScoped<Application.Common.IReadModels, MartenReadModels>();
        services.AddScoped<IJobCounts, MartenJobCounts>();
        services.AddSingleton<Application.Common.IIdempotencyKeys, MartenIdempotencyKeys>();
        services.AddScoped<IQueuePosition, MartenQueuePosition>();
        services.AddSingleton<IJobStatistics, MartenJobStatistics>();
        services.AddSingleton<IStartLock, PostgresStartLock>();
        services.AddSingleton(sp => new JobListPageCache(sp.GetRequiredService<JobsOptions>().ListCacheMegabytes * 1024L * 1024L));
        services.AddSingleton<IJobListJson, PostgresJobListJson>();
        services.AddScoped<IJobRevisions, MartenJobRevisions>();
        services.AddScoped<MartenJobViews>();
        services.AddScoped<IJobViews>(sp => sp.GetRequiredService<MartenJobViews>());
        services.AddScoped<IInterruptedJobs, MartenInterruptedJobs>();
        services.AddScoped<IExpiredWorkspaces, MartenExpiredWorkspaces>();
        services.AddScoped<IRepositoryList, MartenRepositoryList>();
        return services;
    }

    /// <summary>
    /// The settings of every pooled connection:
    /// <list type="bullet">
    /// <item>TCP keepalive (Wolverine's leader holds its election lock on one of them; a path that drops idle connections
    /// would otherwise end the lock without anyone noticing): probes after 30 s of silence, unless the connection string
    /// sets a keepalive of its own. The kernel sends them (issue #20: Npgsql's own <c>Keepalive</c> is a timer and a
    /// query per idle connection, which woke this server and PostgreSQL at idle).</item>
    /// <item>Npgsql's automatic preparation of the statements each connection runs often (<c>Max Auto Prepare</c>), unless
    /// the connection string sets it (0 turns it off, as a pooler without prepared statements needs). A job's commits are
    /// the same few statements each time: prepared, PostgreSQL neither parses nor plans them again, and a connection
    /// given back to the pool keeps its plans, the job view's triggers' included (issue #20: a quarter of PostgreSQL's CPU
    /// per job). Npgsql's reset of a connection that holds prepared statements still unlistens, resets settings and lets
    /// go of advisory locks.</item>
    /// </list>
    /// </summary>
    public static string ForPooling(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        if (builder.KeepAlive == 0 && builder.TcpKeepAliveTime == 0)
        {
            builder.TcpKeepAliveTime = 30;
            builder.TcpKeepAliveInterval = 5;
        }

        builder.TcpKeepAlive = true;
        if (!SetsAutoPrepare(connectionString))
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        return builder.ConnectionString;
    }

    /// <summary>How many statements each pooled connection prepares at most: more than the server's distinct statements.</summary>
    public const int AutoPreparedStatements = 200;

    private static bool SetsAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare");
    }

    /// <summary>
    /// For a connection held open for its notifications or a lock: kernel TCP keepalive probing after 5 s of silence,
    /// then every second, so a path that died without a word fails the connection's wait within ~15 s (the kernel's
    /// default of 9 unanswered probes), with no timer in this process.
    /// </summary>
    public static Npgsql.NpgsqlConnectionStringBuilder WithQuickKeepAlive(this Npgsql.NpgsqlConnectionStringBuilder builder)
    {
        builder.KeepAlive = 0;
        builder.TcpKeepAlive = true;
        builder.TcpKeepAliveTime = 5;
        builder.TcpKeepAliveInterval = 1;
        return builder;
    }

    /// <summary>
    /// The store's schema, projections and serialization: the server's, and that of anything else writing its events
    /// (bench/Seed), so the read models are built by the same code.
    /// </summary>
    public static StoreOptions CreateStoreOptions(string connectionString)
    {
        var options = new StoreOptions();
        options.Connection(ForPooling(connectionString));
        options.DatabaseSchemaName = SchemaName;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        options.Events.StreamIdentity = StreamIdentity.AsString;
        // Spans for each session's connection and a counter of appended events (meter and source "Marten"), read only
        // when OpenTelemetry listens (README, "Monitoring").
        options.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;
        options.OpenTelemetry.TrackEventCounters();
        options.Projections.Add<RevokedTokenProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<RepositoryViewProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<RepositoryView>().Identity(x => x.Name);
        options.Projections.Add<JobViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<Webhooks.WebhookViewProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<Webhooks.WebhookDeliveryViewProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<Application.Webhooks.WebhookView>().Duplicate(x => x.User);
        options.Schema.For<Application.Webhooks.WebhookDeliveryView>().Duplicate(x => x.WebhookId).Duplicate(x => x.QueuedAt);
        options.Schema.For<Webhooks.WebhookSigningKey>();
        options.Schema.For<Webhooks.DeferredWebhookNotification>();
        // Columns as stored in the JSON (not the enum's number), so the job counts and psql read the same names.
        options.Advanced.DuplicatedFieldEnumStorage = EnumStorage.AsString;
        options.Schema.For<JobView>()
            .Duplicate(x => x.User)
            .Duplicate(x => x.Repository)
            .Duplicate(x => x.CreatedAt)
            .Duplicate(x => x.QueuedAt)
            .Duplicate(x => x.Status)
            // Indexed where true: the few deleted jobs; the lists use the partial indexes below.
            .Duplicate(x => x.Deleted, configure: index => index.Predicate = "deleted");
        // A user's jobs newest first (GET /jobs), all of them or of one status, in index order; with the ids in the
        // index a deep page is found without reading the jobs before it. The predicate is the one Marten writes for
        // !j.Deleted, so the planner can use these partial indexes.
        options.Policies.ForAllDocuments(mapping =>
        {
            if (mapping.DocumentType == typeof(JobView))
            {
                foreach (var columns in (string[][])[["user", "created_at"], ["user", "status", "created_at"]])
                {
                    var index = mapping.AddIndex(columns);
                    index.IncludeColumns = ["id"];
                    index.Predicate = "(deleted IS NULL) OR (deleted = false)";
                }

                // When a user was last served, for the fair queue's order: their newest start, off the index (a column
                // of its own without the one-column index Duplicate would add).
                mapping.DuplicateField([typeof(JobView).GetProperty(nameof(JobView.StartedAt))!], columnName: "started_at");
                mapping.AddIndex("user", "started_at");
            }
        });
        options.Storage.Add(new JobCountsFeature(options.Advanced.Migrator));
        options.Storage.Add(new JobViewNotifyFeature(options.Advanced.Migrator));
        options.Schema.For<RevokedToken>().Index(x => x.ExpiresAt);
        // A claim of a key is an insert or a version-checked takeover; a user's expired keys are found by these columns.
        options.Schema.For<IdempotentRequest>().Duplicate(x => x.User).Duplicate(x => x.ClaimedAt).UseOptimisticConcurrency(true);
        options.Storage.Add(new NotifyTriggerFeature<RevocationNotifyTrigger>("RevocationNotify", options.Advanced.Migrator));
        // A request's token is found by its hash (one per token); a user's tokens by their name.
        options.Schema.For<AccessToken>()
            .Duplicate(x => x.TokenHash, configure: index => index.IsUnique = true)
            .Duplicate(x => x.Username);
        options.Storage.Add(new NotifyTriggerFeature<AccessTokenNotifyTrigger>("AccessTokenNotify", options.Advanced.Migrator));
        // Known up front, so a stream holding them can be read before this process appended one.
        options.Events.AddEventTypes([typeof(Domain.Jobs.AgentSaid), typeof(Domain.Jobs.AgentToolReturned)]);
        return options;
    }
}
