using ClaudeBatch.Domain.Common;

namespace ClaudeBatch.Unit.Tests.Common;

public sealed class HostNamesTests
{
    [Theory]
    [InlineData("github.com")]
    [InlineData("git.example.co.uk.")]
    [InlineData("build_host-2.example")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("2606:4700:4700::1111")]
    public void Names_and_addresses_are_well_formed(string host) => HostNames.IsWellFormed(host).ShouldBeTrue();

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("-oProxyCommand=touch")]
    [InlineData("-oProxyCommand")]
    [InlineData("host-")]
    [InlineData("a..b")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("fe80::1%eth0")]
    [InlineData("fe80::1%2")]
    public void Anything_else_is_malformed(string host) => HostNames.IsWellFormed(host).ShouldBeFalse();

    [Fact]
    public void A_label_is_at_most_63_characters_and_a_name_253()
    {
        HostNames.IsWellFormed(new string('a', 63) + ".example").ShouldBeTrue();
        HostNames.IsWellFormed(new string('a', 64) + ".example").ShouldBeFalse();
        HostNames.IsWellFormed(string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('a', 61)).ShouldBeTrue();
        HostNames.IsWellFormed(string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('a', 62)).ShouldBeFalse();
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST.")]
    [InlineData("git.localhost")]
    [InlineData("metadata.google.internal")]
    [InlineData("Metadata.Google.Internal.")]
    [InlineData("metadata.goog")]
    [InlineData("metadata")]
    [InlineData("instance-data")]
    [InlineData("instance-data.ec2.internal")]
    [InlineData("git.corp.internal")]
    public void Private_names_are_known_without_a_lookup(string host) => HostNames.IsPrivateByName(host).ShouldBeTrue();

    [Theory]
    [InlineData("github.com")]
    [InlineData("localhost.example.com")]
    [InlineData("mylocalhost")]
    [InlineData("internal.example.com")]
    [InlineData("metadata.example.com")]
    public void Other_names_are_not(string host) => HostNames.IsPrivateByName(host).ShouldBeFalse();
}
