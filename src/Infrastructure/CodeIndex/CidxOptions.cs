namespace ClaudeBatch.Infrastructure.CodeIndex;

/// <summary><c>Cidx</c>: how the semantic indexer (code-indexer) is run for jobs with <c>cidxAware</c>.</summary>
public sealed class CidxOptions
{
    public const string Section = "Cidx";

    /// <summary>The program (on the job's PATH or a full path).</summary>
    public string Command { get; set; } = "cidx";

    /// <summary>The longest any one step (start, index, status, stop) may take before it is killed and indexing fails.</summary>
    public int StepTimeoutSeconds { get; set; } = 600;

    /// <summary><c>cidx init --embedding-provider</c> for a workspace that has no index configuration yet.</summary>
    public string EmbeddingProvider { get; set; } = "voyage-ai";

    /// <summary>Variables for every cidx step on top of the job's clean environment, e.g. <c>VOYAGE_API_KEY</c>.</summary>
    public Dictionary<string, string> Environment { get; set; } = [];
}
