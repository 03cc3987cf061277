using ClaudeBatch.Application.Common;

namespace ClaudeBatch.Application.Jobs;

/// <summary><c>POST /jobs</c>'s <c>options</c>.</summary>
public sealed record CreateJobOptions(int? Timeout, bool? GitAware, bool? CidxAware, string? Model, int? MaxTurns) : IRequestBody;

/// <summary><c>POST /jobs</c>.</summary>
public sealed record CreateJobRequest(string? Prompt, string? Repository, List<string>? Images, CreateJobOptions? Options) : IRequestBody;

/// <summary><c>POST /jobs/{id}/prompts</c>.</summary>
public sealed record FollowUpRequest(string? Prompt) : IRequestBody;

/// <summary><c>POST /jobs/{id}/push</c>.</summary>
public sealed record PushRequest(string? Branch, string? Message, bool? Force) : IRequestBody;
