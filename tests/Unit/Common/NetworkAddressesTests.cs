using System.Net;
using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Unit.Tests.Common;

/// <summary>Each special range at its first and last address, and the addresses just outside it.</summary>
public sealed class NetworkAddressesTests
{
    [Theory]
    // 0.0.0.0/8, "this network" (0.0.0.0 is where a connect to the unspecified address goes: this machine)
    [InlineData("0.0.0.0", "0.0.0.0/8")]
    [InlineData("0.255.255.255", "0.0.0.0/8")]
    [InlineData("10.0.0.0", "10.0.0.0/8")]
    [InlineData("10.255.255.255", "10.0.0.0/8")]
    [InlineData("100.64.0.0", "100.64.0.0/10")]
    [InlineData("100.127.255.255", "100.64.0.0/10")]
    [InlineData("127.0.0.0", "127.0.0.0/8")]
    [InlineData("127.0.0.1", "127.0.0.0/8")]
    [InlineData("127.0.0.2", "127.0.0.0/8")]
    [InlineData("127.255.255.255", "127.0.0.0/8")]
    [InlineData("169.254.0.0", "169.254.0.0/16")]
    [InlineData("169.254.255.255", "169.254.0.0/16")]
    [InlineData("172.16.0.0", "172.16.0.0/12")]
    [InlineData("172.31.255.255", "172.16.0.0/12")]
    [InlineData("192.0.0.0", "192.0.0.0/24")]
    [InlineData("192.0.0.255", "192.0.0.0/24")]
    [InlineData("192.168.0.0", "192.168.0.0/16")]
    [InlineData("192.168.255.255", "192.168.0.0/16")]
    [InlineData("198.18.0.0", "198.18.0.0/15")]
    [InlineData("198.19.255.255", "198.18.0.0/15")]
    [InlineData("224.0.0.0", "224.0.0.0/4")]
    [InlineData("239.255.255.255", "224.0.0.0/4")]
    [InlineData("240.0.0.0", "240.0.0.0/4")]
    [InlineData("255.255.255.255", "240.0.0.0/4")]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("100.100.100.200", "cloud metadata")]
    [InlineData("::", "unspecified")]
    [InlineData("::1", "loopback (::1)")]
    [InlineData("fd00:ec2::254", "cloud metadata")]
    [InlineData("fc00::", "fc00::/7")]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::/7")]
    [InlineData("fe80::", "fe80::/10")]
    [InlineData("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::/10")]
    [InlineData("fec0::", "fec0::/10")]
    [InlineData("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::/10")]
    [InlineData("ff00::", "ff00::/8")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::/8")]
    [InlineData("64:ff9b:1::", "64:ff9b:1::/48")]
    [InlineData("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::/48")]
    [InlineData("100::", "100::/64")]
    [InlineData("100::ffff:ffff:ffff:ffff", "100::/64")]
    [InlineData("2001::", "2001::/32")]
    [InlineData("2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "2001::/32")]
    [InlineData("2001:db8::", "2001:db8::/32")]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::/32")]
    public void A_special_address_is_not_public_and_its_range_is_named(string address, string range)
    {
        var ip = IPAddress.Parse(address);

        NetworkAddresses.NonPublicRangeOf(ip).ShouldNotBeNull().ShouldContain(range);
        NetworkAddresses.IsPublic(ip).ShouldBeFalse();
    }

    [Theory]
    [InlineData("::ffff:127.0.0.1", "127.0.0.0/8", "IPv4-mapped")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.0/8", "IPv4-mapped")]
    [InlineData("::ffff:169.254.169.254", "cloud metadata", "IPv4-mapped")]
    [InlineData("::ffff:0.0.0.0", "0.0.0.0/8", "IPv4-mapped")]
    [InlineData("::127.0.0.1", "127.0.0.0/8", "IPv4-compatible")]
    [InlineData("::192.168.1.1", "192.168.0.0/16", "IPv4-compatible")]
    [InlineData("::ffff:0:172.16.0.1", "172.16.0.0/12", "IPv4-translated")]
    [InlineData("64:ff9b::127.0.0.1", "127.0.0.0/8", "NAT64")]
    [InlineData("64:ff9b::a9fe:a9fe", "cloud metadata", "NAT64")]
    [InlineData("64:ff9b::100.64.0.1", "100.64.0.0/10", "NAT64")]
    [InlineData("2002:7f00:1::", "127.0.0.0/8", "6to4")]
    [InlineData("2002:c0a8:101::1", "192.168.0.0/16", "6to4")]
    public void An_IPv6_form_of_a_special_IPv4_address_is_not_public(string address, string range, string form)
    {
        var name = NetworkAddresses.NonPublicRangeOf(IPAddress.Parse(address)).ShouldNotBeNull();

        name.ShouldContain(range);
        name.ShouldContain(form);
    }

    [Theory]
    [InlineData("1.0.0.0")]
    [InlineData("8.8.8.8")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")]
    [InlineData("128.0.0.0")]
    [InlineData("140.82.112.3")]
    [InlineData("169.253.255.255")]
    [InlineData("169.255.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("191.255.255.255")]
    [InlineData("192.0.1.0")]
    [InlineData("192.167.255.255")]
    [InlineData("192.169.0.0")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:81c::200e")]
    [InlineData("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("fe00::")]
    [InlineData("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("64:ff9b:0:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("64:ff9b:2::")]
    [InlineData("ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("100:0:0:1::")]
    [InlineData("2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001:1::")]
    [InlineData("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("2001:db9::")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::8.8.8.8")]
    [InlineData("::ffff:0:8.8.8.8")]
    [InlineData("64:ff9b::8.8.8.8")]
    [InlineData("2002:808:808::")]
    public void An_ordinary_address_is_public(string address)
    {
        NetworkAddresses.NonPublicRangeOf(IPAddress.Parse(address)).ShouldBeNull();
        NetworkAddresses.IsPublic(IPAddress.Parse(address)).ShouldBeTrue();
    }
}
