namespace ClaudeBatch.Application.Repositories;

/// <summary><c>Repositories</c>: which sources may be cloned.</summary>
public sealed class RepositoriesOptions
{
    public const string Section = "Repositories";

    /// <summary>Local paths and <c>file://</c> URLs are refused unless this is true.</summary>
    public bool AllowLocalSources { get; set; }

    /// <summary>When local sources are allowed, only these folders (and below) may be cloned from.</summary>
    public List<string> AllowedLocalRoots { get; set; } = [];

    /// <summary>
    /// Remote sources whose host is (or resolves to) a loopback, private, link-local, shared or metadata address are
    /// refused unless this is true: otherwise any user could make the server fetch from its own networks.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}
