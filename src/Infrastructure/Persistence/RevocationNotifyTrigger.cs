using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Notifies <see cref="RevocationListener.Channel"/> with each revocation (<c>{"id": …, "expiresAt": …}</c>): every
/// server adds it to its in-memory list within milliseconds.
/// </summary>
internal sealed class RevocationNotifyTrigger() : NotifyTrigger(
    "revocation_notify", PersistenceRegistration.SchemaName + ".mt_doc_revokedtoken", "INSERT OR UPDATE")
{
    protected override string Body => $"""
            PERFORM pg_notify('{RevocationListener.Channel}',
                json_build_object('id', NEW.id, 'expiresAt', NEW.data -> 'expiresAt')::text);
        """;
}
