using System.Net;

namespace ClaudeBatch.Domain.Common;

/// <summary>Rules on host names that need no resolver.</summary>
public static class HostNames
{
    /// <summary>Names of cloud metadata services (they resolve to link-local addresses, but some only inside the cloud).</summary>
    private static readonly string[] MetadataNames = ["metadata", "metadata.goog", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"];

    /// <summary>
    /// An IP literal or a DNS name of letters, digits, <c>-</c> and <c>_</c> labels: nothing a resolver, libgit2 or
    /// ssh could read as anything else (an option starting with <c>-</c>, a path, a scope).
    /// </summary>
    public static bool IsWellFormed(string host)
    {
        if (IPAddress.TryParse(host, out _))
        {
            // A scope (fe80::1%eth0) names one of the server's own interfaces.
            return !host.Contains('%');
        }

        var name = host.EndsWith('.') ? host[..^1] : host;
        return name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-'
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    /// <summary>
    /// Names that are private by definition, refused before any lookup: <c>localhost</c> and <c>*.localhost</c>
    /// (RFC 6761), <c>*.internal</c> (reserved for private use) and the metadata services' names.
    /// </summary>
    public static bool IsPrivateByName(string host)
    {
        var name = (host.EndsWith('.') ? host[..^1] : host).ToLowerInvariant();
        return name == "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal)
            || name.EndsWith(".internal", StringComparison.Ordinal) || MetadataNames.Contains(name);
    }
}
