namespace ClaudeBatch.Application.Common;

/// <summary>A response kept for an <c>Idempotency-Key</c>, to be answered again to the same request.</summary>
public sealed record KeptResponse(int StatusCode, string? ContentType, string? Location, byte[] Body);

/// <summary>What a request with an <c>Idempotency-Key</c> may do.</summary>
public enum IdempotencyClaim
{
    /// <summary>The key is new (or expired): the request runs, and its response is kept.</summary>
    Claimed,

    /// <summary>The same request ran: its kept response is the answer.</summary>
    Replay,

    /// <summary>The same request is still running (on this or another server).</summary>
    InFlight,

    /// <summary>The key was used for another request.</summary>
    Mismatch,
}

/// <summary>
/// <c>Idempotency-Key</c>s (DESIGN.md §7 "Integration"): per user, kept in the database for <see cref="Lifetime"/> so they
/// hold across servers and restarts.
/// </summary>
public interface IIdempotencyKeys
{
    /// <summary>How long a key answers with its first response.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request may hold its key without an answer before the key is taken over (the server that ran it
    /// stopped before answering).
    /// </summary>
    public static readonly TimeSpan InFlightLimit = TimeSpan.FromMinutes(5);

    /// <summary>Claims <paramref name="key"/> of <paramref name="user"/> for the request whose fingerprint is <paramref name="request"/>.</summary>
    Task<(IdempotencyClaim Claim, KeptResponse? Response)> ClaimAsync(string user, string key, string request, CancellationToken cancellationToken);

    /// <summary>Keeps the claimed request's response.</summary>
    Task KeepAsync(string user, string key, KeptResponse response, CancellationToken cancellationToken);

    /// <summary>Lets the key go (the request failed on the server's side): the same request may be sent again.</summary>
    Task ReleaseAsync(string user, string key, CancellationToken cancellationToken);
}
