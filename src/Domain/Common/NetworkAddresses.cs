using System.Net;

namespace ClaudeBatch.Domain.Common;

/// <summary>
/// Which addresses lead back into the server's own machine or networks — loopback, private, link-local, shared
/// (CGNAT), cloud metadata and the other special ranges — so that a fetch made on a user's behalf can refuse them.
/// IPv6 forms that embed an IPv4 address (v4-mapped, v4-compatible, v4-translated, NAT64, 6to4) are judged by the
/// address they embed, since that is where the kernel or a translator delivers them.
/// </summary>
public static class NetworkAddresses
{
    private static readonly Range[] V4Ranges =
    [
        new("169.254.169.254", 32, "cloud metadata"),
        new("100.100.100.200", 32, "cloud metadata"),
        new("0.0.0.0", 8, "'this network' (0.0.0.0/8)"),
        new("10.0.0.0", 8, "private (10.0.0.0/8)"),
        new("100.64.0.0", 10, "shared address space (100.64.0.0/10)"),
        new("127.0.0.0", 8, "loopback (127.0.0.0/8)"),
        new("169.254.0.0", 16, "link-local (169.254.0.0/16)"),
        new("172.16.0.0", 12, "private (172.16.0.0/12)"),
        new("192.0.0.0", 24, "IETF protocol assignments (192.0.0.0/24)"),
        new("192.168.0.0", 16, "private (192.168.0.0/16)"),
        new("198.18.0.0", 15, "benchmarking (198.18.0.0/15)"),
        new("224.0.0.0", 4, "multicast (224.0.0.0/4)"),
        new("240.0.0.0", 4, "reserved (240.0.0.0/4)"),
    ];

    /// <summary>Single addresses, judged before the embedding forms and ranges that also contain them.</summary>
    private static readonly Range[] V6Addresses =
    [
        new("::", 128, "unspecified (::)"),
        new("::1", 128, "loopback (::1)"),
        new("fd00:ec2::254", 128, "cloud metadata"),
    ];

    private static readonly Range[] V6Ranges =
    [
        new("64:ff9b:1::", 48, "local-use NAT64 (64:ff9b:1::/48)"),
        new("100::", 64, "discard-only (100::/64)"),
        new("2001::", 32, "Teredo (2001::/32)"),
        new("2001:db8::", 32, "documentation (2001:db8::/32)"),
        new("fc00::", 7, "unique local (fc00::/7)"),
        new("fe80::", 10, "link-local (fe80::/10)"),
        new("fec0::", 10, "site-local (fec0::/10)"),
        new("ff00::", 8, "multicast (ff00::/8)"),
    ];

    /// <summary>IPv6 prefixes whose last 32 bits (or, for 6to4, bits 16-47) are an IPv4 address.</summary>
    private static readonly (Range Form, int V4Offset)[] Embedding =
    [
        (new("::ffff:0:0", 96, "IPv4-mapped"), 12),
        (new("::ffff:0:0:0", 96, "IPv4-translated"), 12),
        (new("::", 96, "IPv4-compatible"), 12),
        (new("64:ff9b::", 96, "NAT64"), 12),
        (new("2002::", 16, "6to4"), 2),
    ];

    /// <summary>The first of <paramref name="addresses"/> that is not public, with its range's name; null when all are public.</summary>
    public static (IPAddress Address, string Range)? FirstNonPublic(IEnumerable<IPAddress> addresses) =>
        addresses.Select(a => (Address: a, Range: NonPublicRangeOf(a)))
            .Where(a => a.Range is not null)
            .Select(a => ((IPAddress, string)?)(a.Address, a.Range!))
            .FirstOrDefault();

    /// <summary>The special range that holds <paramref name="address"/>, named for people; null for an ordinary public address.</summary>
    public static string? NonPublicRangeOf(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length == 4)
        {
            return V4Ranges.FirstOrDefault(r => r.Contains(bytes))?.Name;
        }

        if (V6Addresses.FirstOrDefault(r => r.Contains(bytes)) is { } exact)
        {
            return exact.Name;
        }

        foreach (var (form, offset) in Embedding)
        {
            if (form.Contains(bytes))
            {
                var embedded = NonPublicRangeOf(new IPAddress(bytes.AsSpan(offset, 4)));
                return embedded is null ? null : $"{embedded}, {form.Name}";
            }
        }

        return V6Ranges.FirstOrDefault(r => r.Contains(bytes))?.Name;
    }

    public static bool IsPublic(IPAddress address) => NonPublicRangeOf(address) is null;

    private sealed class Range(string network, int bits, string name)
    {
        private readonly byte[] prefix = IPAddress.Parse(network).GetAddressBytes();

        public string Name => name;

        public bool Contains(byte[] address)
        {
            if (address.Length != prefix.Length)
            {
                return false;
            }

            var whole = bits / 8;
            if (!address.AsSpan(0, whole).SequenceEqual(prefix.AsSpan(0, whole)))
            {
                return false;
            }

            var rest = bits % 8;
            var mask = (byte)(0xFF << (8 - rest));
            return rest == 0 || (address[whole] & mask) == (prefix[whole] & mask);
        }
    }
}
