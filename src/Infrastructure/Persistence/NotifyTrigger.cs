using System.Data.Common;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// A row trigger on one of Marten's tables and the function it runs, both named <see cref="Name"/>: the function calls
/// <c>pg_notify</c>, so the notification is sent when the transaction that wrote the row commits, whichever process
/// wrote it. Created (or re-created when missing) with the rest of the schema at startup.
/// </summary>
internal abstract class NotifyTrigger(string name, string table, string events) : ISchemaObject
{
    public string Name { get; } = name;

    /// <summary>The table, with its schema.</summary>
    public string Table { get; } = table;

    private string Function => $"{PersistenceRegistration.SchemaName}.{Name}";

    public DbObjectName Identifier { get; } = new PostgresqlObjectName(PersistenceRegistration.SchemaName, name, SchemaUtils.IdentifierUsage.General);

    /// <summary>The body of the plpgsql function between <c>BEGIN</c> and <c>END</c>; <c>RETURN NULL;</c> is added.</summary>
    protected abstract string Body { get; }

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
    }

    public void ConfigureQueryCommand(DbCommandBuilder builder) =>
        builder.Append($"select count(*) from pg_trigger where tgrelid = to_regclass('{Table}') and tgname = '{Name}';");

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
    {
        await reader.ReadAsync(ct);
        var difference = reader.GetInt64(0) == 1 ? SchemaPatchDifference.None : SchemaPatchDifference.Create;
        return new SchemaObjectDelta(this, difference);
    }

    public void WriteDropStatement(Migrator rules, TextWriter writer)
    {
        writer.WriteLine($"DROP TRIGGER IF EXISTS {Name} ON {Table};");
        writer.WriteLine($"DROP FUNCTION IF EXISTS {Function}();");
    }

    public void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        writer.WriteLine($"""
            CREATE OR REPLACE FUNCTION {Function}() RETURNS trigger LANGUAGE plpgsql AS $notify$
            BEGIN
            {Body}
                RETURN NULL;
            END $notify$;

            DROP TRIGGER IF EXISTS {Name} ON {Table};
            CREATE TRIGGER {Name} AFTER {events} ON {Table}
                FOR EACH ROW EXECUTE FUNCTION {Function}();
            """);
    }
}

/// <summary>
/// A schema feature of one <see cref="NotifyTrigger"/>: a type per trigger, because Marten keeps one feature of each type.
/// </summary>
internal sealed class NotifyTriggerFeature<TTrigger>(string identifier, Migrator migrator) : FeatureSchemaBase(identifier, migrator)
    where TTrigger : NotifyTrigger, new()
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new TTrigger();
    }
}
