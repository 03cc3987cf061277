using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Notifies <see cref="AccessTokenListener.Channel"/> when an access token is made, revoked or removed (not when only
/// its <c>lastUsedAt</c> changes): every server knows of it within milliseconds.
/// </summary>
internal sealed class AccessTokenNotifyTrigger() : NotifyTrigger(
    "access_token_notify", AccessTokenNotifyTrigger.AccessTokens, "INSERT OR UPDATE OR DELETE")
{
    public const string AccessTokens = PersistenceRegistration.SchemaName + ".mt_doc_accesstoken";

    protected override string Body => $$"""
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
        """;
}
