namespace ClaudeBatch.Application.Files;

/// <summary><c>Uploads</c>: how much may be uploaded to a job, and how much text the content route returns.</summary>
public sealed class UploadsOptions
{
    public const string Section = "Uploads";

    public long MaxFileBytes { get; set; } = 50L * 1024 * 1024;

    public long MaxJobBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary><c>GET /jobs/{id}/files/content</c> returns at most this much of a text file (and says it truncated).</summary>
    public int MaxTextBytes { get; set; } = 1024 * 1024;
}
