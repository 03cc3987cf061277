using System.Data.Common;
using ClaudeBatch.Infrastructure.Identity;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// A trigger on the revoked-token table that notifies <see cref="RevocationListener.Channel"/> with each revocation
/// (<c>{"id": …, "expiresAt": …}</c>), sent when the transaction that stored it commits, whichever process wrote it:
/// every server adds it to its in-memory list within milliseconds. Created with the rest of the schema at startup.
/// </summary>
internal sealed class RevocationNotifyFeature(Migrator migrator) : FeatureSchemaBase("RevocationNotify", migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new RevocationNotifySchemaObject();
    }
}

internal sealed class RevocationNotifySchemaObject : ISchemaObject
{
    private const string Revoked = PersistenceRegistration.SchemaName + ".mt_doc_revokedtoken";
    private const string Notify = PersistenceRegistration.SchemaName + ".revocation_notify";
    private const string Trigger = "revocation_notify";

    public DbObjectName Identifier { get; } =
        new PostgresqlObjectName(PersistenceRegistration.SchemaName, "revocation_notify", SchemaUtils.IdentifierUsage.General);

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
    }

    public void ConfigureQueryCommand(DbCommandBuilder builder) =>
        builder.Append($"select count(*) from pg_trigger where tgrelid = to_regclass('{Revoked}') and tgname = '{Trigger}';");

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var difference = reader.GetInt64(0) == 1 ? SchemaPatchDifference.None : SchemaPatchDifference.Create;
        return new SchemaObjectDelta(this, difference);
    }

    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"DROP TRIGGER IF EXISTS {Trigger} ON {Revoked};");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {Notify}();");
    }

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            CREATE OR REPLACE FUNCTION {Notify}() RETURNS trigger LANGUAGE plpgsql AS $notify$
            BEGIN
                PERFORM pg_notify('{RevocationListener.Channel}',
                    json_build_object('id', NEW.id, 'expiresAt', NEW.data -> 'expiresAt')::text);
                RETURN NULL;
            END $notify$;

            DROP TRIGGER IF EXISTS {Trigger} ON {Revoked};
            CREATE TRIGGER {Trigger} AFTER INSERT OR UPDATE ON {Revoked}
                FOR EACH ROW EXECUTE FUNCTION {Notify}();
            """);
    }
}
