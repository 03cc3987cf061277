namespace ClaudeBatch.Application.Repositories;

/// <summary><c>Repositories</c>: which sources may be cloned.</summary>
public sealed class RepositoriesOptions
{
    public const string Section = "Repositories";

    /// <summary>Local paths and <c>file://</c> URLs are refused unless this is true.</summary>
    public bool AllowLocalSources { get; set; }

    /// <summary>When local sources are allowed, only these folders (and below) may be cloned from.</summary>
    public List<string> AllowedLocalRoots { get; set; } = [];
}
