using ClaudeBatch.Application.Common;

namespace ClaudeBatch.Application.Repositories;

/// <summary><c>POST /repositories/register</c>.</summary>
public sealed record RegisterRequest(string? Name, string? GitUrl, string? Description, bool? CidxAware) : IRequestBody;
