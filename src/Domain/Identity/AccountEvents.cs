namespace ClaudeBatch.Domain.Identity;

/// <summary>Why a login was refused. Stored in the account's history; never shown to the caller.</summary>
public enum LoginFailureReason
{
    UnknownUser,
    WrongPassword,
    AccountLocked,
    PrecomputedHashRefused,
    NoOsAccount,
}

public sealed record UserLoggedIn(string Username, string TokenId, string? ClientAddress, DateTimeOffset At, DateTimeOffset ExpiresAt);

public sealed record LoginFailed(string Username, LoginFailureReason Reason, string? ClientAddress, DateTimeOffset At);

public sealed record TokenRevoked(string Username, string TokenId, DateTimeOffset At, DateTimeOffset ExpiresAt);

/// <summary>Each account's security history is one event stream.</summary>
public static class AccountStream
{
    public static string For(string username) => $"account:{username}";
}
