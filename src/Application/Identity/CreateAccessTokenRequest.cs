using ClaudeBatch.Application.Common;

namespace ClaudeBatch.Application.Identity;

/// <summary><c>POST /auth/tokens</c>.</summary>
public sealed record CreateAccessTokenRequest(string? Name, int? ExpiresInDays) : IRequestBody;
