namespace ClaudeBatch.Domain.Identity;

/// <summary>Why a personal access token stopped working before its expiry.</summary>
public enum AccessTokenRevocationReason
{
    /// <summary><c>DELETE /auth/tokens/{id}</c>.</summary>
    Deleted,

    /// <summary><c>POST /auth/logout</c> presenting the token itself.</summary>
    LoggedOut,
}

/// <summary>A personal access token was made. Neither the token nor its hash is kept here: the history is for reading.</summary>
public sealed record AccessTokenCreated(
    string Username, string TokenId, string Name, string? ClientAddress, DateTimeOffset At, DateTimeOffset ExpiresAt);

public sealed record AccessTokenRevoked(string Username, string TokenId, AccessTokenRevocationReason Reason, DateTimeOffset At);
