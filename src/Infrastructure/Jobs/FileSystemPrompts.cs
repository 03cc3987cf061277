using ClaudeBatch.Application.Jobs;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Reads the system prompt templates from their files, so operators can change them without a rebuild, and fills in
/// <c>{cidxStatus}</c>, <c>{repository}</c> and <c>{workspace}</c>.
/// </summary>
internal sealed class FileSystemPrompts(SystemPromptsOptions options) : ISystemPrompts
{
    public async Task<string> ForAsync(PromptContext context, CancellationToken cancellationToken)
    {
        var path = context.CidxReady ? options.CidxAvailableTemplatePath : options.CidxUnavailableTemplatePath;
        var template = await File.ReadAllTextAsync(Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path), cancellationToken);
        return template
            .Replace("{cidxStatus}", context.CidxStatus, StringComparison.Ordinal)
            .Replace("{repository}", context.Repository, StringComparison.Ordinal)
            .Replace("{workspace}", context.Workspace, StringComparison.Ordinal);
    }
}
