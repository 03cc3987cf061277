using System.Data.Common;
using ClaudeBatch.Infrastructure.Jobs;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Triggers on the job view table that notify <see cref="JobViewListener.Channel"/> of every stored view
/// (<c>{"id": …, "version": …, "stop": …}</c>, stop true when the job is deleted or asked to cancel, the version null
/// when the row is deleted, <c>{"truncated": true}</c> when the table is emptied), sent when the transaction that wrote
/// it commits, whichever process wrote it: every server's <see cref="JobViewCache"/> drops what changed within
/// milliseconds. Created with the rest of the schema at startup.
/// </summary>
internal sealed class JobViewNotifyFeature(Migrator migrator) : FeatureSchemaBase("JobViewNotify", migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new JobViewNotifySchemaObject();
    }
}

internal sealed class JobViewNotifySchemaObject : ISchemaObject
{
    private const string Views = MartenQueuePosition.Views;
    private const string Notify = PersistenceRegistration.SchemaName + ".job_view_notify";
    private const string NotifyTruncate = PersistenceRegistration.SchemaName + ".job_view_notify_truncate";
    private const string Trigger = "job_view_notify";
    private const string TruncateTrigger = "job_view_notify_truncate";
    private const string Truncated = """{"truncated": true}""";

    public DbObjectName Identifier { get; } =
        new PostgresqlObjectName(PersistenceRegistration.SchemaName, "job_view_notify", SchemaUtils.IdentifierUsage.General);

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
    }

    /// <summary>Both triggers, and the function of this version (one whose payload says <c>stop</c>); an older one is replaced.</summary>
    public void ConfigureQueryCommand(DbCommandBuilder builder) =>
        builder.Append($"""
            select (select count(*) from pg_trigger where tgrelid = to_regclass('{Views}') and tgname in ('{Trigger}', '{TruncateTrigger}')),
                coalesce((select prosrc like '%''stop''%' from pg_proc where oid = to_regprocedure('{Notify}()')), false);
            """);

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var difference = reader.GetInt64(0) == 2 && reader.GetBoolean(1) ? SchemaPatchDifference.None : SchemaPatchDifference.Create;
        return new SchemaObjectDelta(this, difference);
    }

    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"DROP TRIGGER IF EXISTS {Trigger} ON {Views};");
        writer.WriteLine($"DROP TRIGGER IF EXISTS {TruncateTrigger} ON {Views};");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {Notify}();");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {NotifyTruncate}();");
    }

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            CREATE OR REPLACE FUNCTION {Notify}() RETURNS trigger LANGUAGE plpgsql AS $notify$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('{JobViewListener.Channel}', json_build_object('id', OLD.id, 'version', null, 'stop', true)::text);
                ELSE
                    PERFORM pg_notify('{JobViewListener.Channel}', json_build_object('id', NEW.id, 'version', NEW.mt_version,
                        'stop', NEW.deleted IS TRUE OR (NEW.data ->> 'cancellationRequested') = 'true')::text);
                END IF;
                RETURN NULL;
            END $notify$;

            CREATE OR REPLACE FUNCTION {NotifyTruncate}() RETURNS trigger LANGUAGE plpgsql AS $notify$
            BEGIN
                PERFORM pg_notify('{JobViewListener.Channel}', '{Truncated}');
                RETURN NULL;
            END $notify$;

            DROP TRIGGER IF EXISTS {Trigger} ON {Views};
            CREATE TRIGGER {Trigger} AFTER INSERT OR UPDATE OR DELETE ON {Views}
                FOR EACH ROW EXECUTE FUNCTION {Notify}();
            DROP TRIGGER IF EXISTS {TruncateTrigger} ON {Views};
            CREATE TRIGGER {TruncateTrigger} AFTER TRUNCATE ON {Views}
                FOR EACH STATEMENT EXECUTE FUNCTION {NotifyTruncate}();
            """);
    }
}
