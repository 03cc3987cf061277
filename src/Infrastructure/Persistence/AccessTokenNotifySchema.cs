using System.Data.Common;
using ClaudeBatch.Infrastructure.Identity;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// A trigger on the access-token table that notifies <see cref="AccessTokenListener.Channel"/> when a token is made,
/// revoked or removed (not when only its <c>lastUsedAt</c> changes), sent when the transaction commits, whichever
/// process wrote it: every server knows of it within milliseconds. Created with the rest of the schema at startup.
/// </summary>
internal sealed class AccessTokenNotifyFeature(Migrator migrator) : FeatureSchemaBase("AccessTokenNotify", migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new AccessTokenNotifySchemaObject();
    }
}

internal sealed class AccessTokenNotifySchemaObject : ISchemaObject
{
    public const string Table = PersistenceRegistration.SchemaName + ".mt_doc_accesstoken";
    private const string Notify = PersistenceRegistration.SchemaName + ".access_token_notify";
    private const string Trigger = "access_token_notify";

    public DbObjectName Identifier { get; } =
        new PostgresqlObjectName(PersistenceRegistration.SchemaName, "access_token_notify", SchemaUtils.IdentifierUsage.General);

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
    }

    public void ConfigureQueryCommand(DbCommandBuilder builder) =>
        builder.Append($"select count(*) from pg_trigger where tgrelid = to_regclass('{Table}') and tgname = '{Trigger}';");

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var difference = reader.GetInt64(0) == 1 ? SchemaPatchDifference.None : SchemaPatchDifference.Create;
        return new SchemaObjectDelta(this, difference);
    }

    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"DROP TRIGGER IF EXISTS {Trigger} ON {Table};");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {Notify}();");
    }

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($$"""
            CREATE OR REPLACE FUNCTION {{Notify}}() RETURNS trigger LANGUAGE plpgsql AS $notify$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    PERFORM pg_notify('{{AccessTokenListener.Channel}}', json_build_object(
                        'id', OLD.id, 'username', OLD.data -> 'username', 'uid', OLD.data -> 'uid', 'tokenHash', OLD.data -> 'tokenHash',
                        'expiresAt', OLD.data -> 'expiresAt', 'revoked', true)::text);
                ELSIF TG_OP = 'INSERT'
                    OR OLD.data -> 'revokedAt' IS DISTINCT FROM NEW.data -> 'revokedAt'
                    OR OLD.data -> 'tokenHash' IS DISTINCT FROM NEW.data -> 'tokenHash'
                    OR OLD.data -> 'uid' IS DISTINCT FROM NEW.data -> 'uid'
                    OR OLD.data -> 'expiresAt' IS DISTINCT FROM NEW.data -> 'expiresAt' THEN
                    PERFORM pg_notify('{{AccessTokenListener.Channel}}', json_build_object(
                        'id', NEW.id, 'username', NEW.data -> 'username', 'uid', NEW.data -> 'uid', 'tokenHash', NEW.data -> 'tokenHash',
                        'expiresAt', NEW.data -> 'expiresAt',
                        'revoked', coalesce(jsonb_typeof(NEW.data -> 'revokedAt'), 'null') <> 'null')::text);
                END IF;
                RETURN NULL;
            END $notify$;

            DROP TRIGGER IF EXISTS {{Trigger}} ON {{Table}};
            CREATE TRIGGER {{Trigger}} AFTER INSERT OR UPDATE OR DELETE ON {{Table}}
                FOR EACH ROW EXECUTE FUNCTION {{Notify}}();
            """);
    }
}
