using System.Data.Common;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// How many jobs each user has, by status (deleted jobs not counted), so <c>GET /jobs</c> gives its <c>total</c>
/// without counting the user's whole history on every page. A trigger on the <c>JobView</c> table keeps the counts
/// in the same transaction as every row it inserts, updates or deletes, whichever process writes it, so they cannot
/// drift from the rows. Created with the rest of the schema at startup; when it is first created (or its
/// <see cref="Version"/> changes) the counts are taken from the table as it is, under a lock that holds writers
/// off until the trigger is in place.
/// </summary>
internal sealed class JobCountsFeature(Migrator migrator) : FeatureSchemaBase("JobCounts", migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new JobCountsSchemaObject();
    }
}

internal sealed class JobCountsSchemaObject : ISchemaObject
{
    /// <summary>Changing the table, the function or the triggers? Bump this: the next start recreates and refills them.</summary>
    public const string Version = "job counts v1";

    public const string Table = PersistenceRegistration.SchemaName + ".job_counts";
    private const string Views = PersistenceRegistration.SchemaName + ".mt_doc_jobview";
    private const string Follow = PersistenceRegistration.SchemaName + ".job_counts_follow";
    private const string Reset = PersistenceRegistration.SchemaName + ".job_counts_reset";

    public DbObjectName Identifier { get; } = Name("job_counts");

    private static PostgresqlObjectName Name(string name) =>
        new(PersistenceRegistration.SchemaName, name, SchemaUtils.IdentifierUsage.General);

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
        yield return Name("job_counts_follow");
        yield return Name("job_counts_reset");
    }

    public void ConfigureQueryCommand(DbCommandBuilder builder) =>
        builder.Append(
            $"select obj_description(to_regclass('{Table}'), 'pg_class'), " +
            $"(select count(*) from pg_trigger where tgrelid = to_regclass('{Views}') and tgname in ('job_counts_follow', 'job_counts_reset'));");

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var version = await reader.IsDBNullAsync(0, ct) ? null : reader.GetString(0);
        var triggers = reader.GetInt64(1);
        var difference = version == Version && triggers == 2 ? SchemaPatchDifference.None
            : version is null ? SchemaPatchDifference.Create
            : SchemaPatchDifference.Update;
        return new SchemaObjectDelta(this, difference);
    }

    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"DROP TRIGGER IF EXISTS job_counts_follow ON {Views};");
        writer.WriteLine($"DROP TRIGGER IF EXISTS job_counts_reset ON {Views};");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {Follow}();");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {Reset}();");
        writer.WriteLine($"DROP TABLE IF EXISTS {Table};");
    }

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            CREATE TABLE IF NOT EXISTS {Table} (
                "user" varchar NOT NULL,
                status varchar NOT NULL,
                n bigint NOT NULL,
                PRIMARY KEY ("user", status));

            -- A row that changes user, status or deleted moves one unit between (user, status) counts; the two
            -- counts are taken in key order so that two such changes cannot deadlock each other.
            CREATE OR REPLACE FUNCTION {Follow}() RETURNS trigger LANGUAGE plpgsql AS $follow$
            DECLARE
                was_user varchar; was_status varchar; now_user varchar; now_status varchar;
            BEGIN
                IF TG_OP <> 'INSERT' AND OLD.deleted IS NOT TRUE THEN
                    was_user := coalesce(OLD."user", ''); was_status := coalesce(OLD.status, '');
                END IF;
                IF TG_OP <> 'DELETE' AND NEW.deleted IS NOT TRUE THEN
                    now_user := coalesce(NEW."user", ''); now_status := coalesce(NEW.status, '');
                END IF;
                IF was_user IS NOT DISTINCT FROM now_user AND was_status IS NOT DISTINCT FROM now_status THEN
                    RETURN NULL;
                END IF;
                IF now_user IS NOT NULL AND (was_user IS NULL OR (now_user, now_status) < (was_user, was_status)) THEN
                    INSERT INTO {Table} AS c ("user", status, n) VALUES (now_user, now_status, 1)
                        ON CONFLICT ("user", status) DO UPDATE SET n = c.n + 1;
                    now_user := NULL;
                END IF;
                IF was_user IS NOT NULL THEN
                    UPDATE {Table} SET n = n - 1 WHERE "user" = was_user AND status = was_status;
                END IF;
                IF now_user IS NOT NULL THEN
                    INSERT INTO {Table} AS c ("user", status, n) VALUES (now_user, now_status, 1)
                        ON CONFLICT ("user", status) DO UPDATE SET n = c.n + 1;
                END IF;
                RETURN NULL;
            END $follow$;

            CREATE OR REPLACE FUNCTION {Reset}() RETURNS trigger LANGUAGE plpgsql AS $reset$
            BEGIN
                DELETE FROM {Table};
                RETURN NULL;
            END $reset$;

            -- One transaction (the migration runs its statements one by one): writers wait while the counts are
            -- taken from the table as it is and the triggers put in place.
            DO $counts$
            BEGIN
                LOCK TABLE {Views} IN SHARE ROW EXCLUSIVE MODE;
                DROP TRIGGER IF EXISTS job_counts_follow ON {Views};
                DROP TRIGGER IF EXISTS job_counts_reset ON {Views};
                DELETE FROM {Table};
                INSERT INTO {Table} ("user", status, n)
                    SELECT coalesce("user", ''), coalesce(status, ''), count(*) FROM {Views} WHERE deleted IS NOT TRUE GROUP BY 1, 2;
                CREATE TRIGGER job_counts_follow AFTER INSERT OR UPDATE OR DELETE ON {Views}
                    FOR EACH ROW EXECUTE FUNCTION {Follow}();
                CREATE TRIGGER job_counts_reset AFTER TRUNCATE ON {Views}
                    FOR EACH STATEMENT EXECUTE FUNCTION {Reset}();
                COMMENT ON TABLE {Table} IS '{Version}';
            END $counts$;
            """);
    }
}
