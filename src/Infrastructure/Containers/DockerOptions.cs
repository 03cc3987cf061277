namespace ClaudeBatch.Infrastructure.Containers;

/// <summary><c>Docker</c>: the engine cidx's containers run on, for cleaning up after jobs.</summary>
public sealed class DockerOptions
{
    public const string Section = "Docker";

    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";
}
