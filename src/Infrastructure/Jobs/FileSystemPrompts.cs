using ClaudeBatch.Application.Jobs;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>Reads the system prompt templates from their files, so operators can change them without a rebuild.</summary>
internal sealed class FileSystemPrompts(SystemPromptsOptions options) : ISystemPrompts
{
    public Task<string> ForAsync(bool cidxReady, CancellationToken cancellationToken)
    {
        var path = cidxReady ? options.CidxAvailableTemplatePath : options.CidxUnavailableTemplatePath;
        return File.ReadAllTextAsync(Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path), cancellationToken);
    }
}
