namespace ClaudeBatch.Infrastructure.Configuration;

/// <summary>
/// <c>Http</c>: the reverse proxies (e.g. the compose nginx) whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c>
/// the server believes. With none, the headers are ignored, so a client cannot choose its own address.
/// </summary>
public sealed class HttpOptions
{
    public const string Section = "Http";

    /// <summary>Proxy addresses, e.g. <c>172.28.5.10</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>10.1.0.0/24</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}
