namespace ClaudeBatch.Application.Jobs;

/// <summary>What the system prompt templates may refer to: <c>{cidxStatus}</c>, <c>{repository}</c>, <c>{workspace}</c>.</summary>
public sealed record PromptContext(bool CidxReady, string CidxStatus, string Repository, string Workspace);
