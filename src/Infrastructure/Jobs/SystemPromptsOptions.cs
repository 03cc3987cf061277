namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary><c>SystemPrompts</c>: the template files appended to Claude's system prompt. Relative paths are from the server's folder.</summary>
public sealed class SystemPromptsOptions
{
    public const string Section = "SystemPrompts";

    public string CidxAvailableTemplatePath { get; set; } = "SystemPrompts/cidx-system-prompt-template.txt";

    public string CidxUnavailableTemplatePath { get; set; } = "SystemPrompts/cidx-unavailable-system-prompt-template.txt";
}
