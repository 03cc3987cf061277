using ClaudeBatch.Application.Common;

namespace ClaudeBatch.Application.Identity;

/// <summary><c>POST /auth/login</c>.</summary>
public sealed record LoginRequest(string? Username, string? Password) : IRequestBody;
