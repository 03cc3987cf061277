namespace ClaudeBatch.Application.Common;

/// <summary>
/// A JSON body the HTTP API takes, shared by the server and its clients (<c>cbs</c>). Every field may be left out:
/// the use case says which it needs, with a 400 naming it. The server treats a bound argument of this kind as the
/// request's own (for <c>Idempotency-Key</c> fingerprints and the OpenAPI document).
/// </summary>
public interface IRequestBody;
