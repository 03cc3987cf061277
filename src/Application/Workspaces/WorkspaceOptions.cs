namespace ClaudeBatch.Application.Workspaces;

/// <summary><c>Workspace</c>: where master clones and job workspaces live.</summary>
public sealed class WorkspaceOptions
{
    public const string Section = "Workspace";

    public string RepositoriesPath { get; set; } = "~/claude-batch/repos";

    public string JobsPath { get; set; } = "~/claude-batch/jobs";

    /// <summary><c>auto</c>, <c>btrfs-snapshot</c>, <c>reflink</c> or <c>full-copy</c>.</summary>
    public string CopyStrategy { get; set; } = "auto";

    public long MinFreeBytes { get; set; } = 1L << 30;
}
