namespace ClaudeBatch.Application.Identity;

/// <summary>Read model: a token id that must no longer be accepted, kept until the token would have expired anyway.</summary>
public sealed class RevokedToken
{
    public string Id { get; set; } = "";

    public string Username { get; set; } = "";

    public DateTimeOffset RevokedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
