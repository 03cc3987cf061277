using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Repositories;

namespace ClaudeBatch.Unit.Tests.Repositories;

/// <summary>
/// The SSRF rule on whole sources, with the real resolver: every host here is an IP literal or refused by its name
/// or form before any lookup, so nothing leaves the machine.
/// </summary>
public sealed class PrivateNetworksTests
{
    private static readonly RepositoriesOptions Refusing = new();
    private static readonly RepositoriesOptions Allowing = new() { AllowPrivateNetworks = true };

    [Theory]
    [InlineData("http://127.0.0.1/x.git")]
    [InlineData("http://127.0.0.2:8080/x.git")]
    [InlineData("https://[::1]/x.git")]
    [InlineData("https://[::ffff:192.168.1.1]/x.git")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/x.git")]
    [InlineData("http://0.0.0.0/x.git")]
    [InlineData("http://[::]/x.git")]
    [InlineData("http://[fe80::1%25eth0]/x.git")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://10.1.2.3/x.git")]
    [InlineData("https://172.20.0.1/x.git")]
    [InlineData("https://100.100.100.200/x.git")]
    [InlineData("http://localhost/x.git")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("ssh://git@10.0.0.5/x.git")]
    [InlineData("ssh://git@localhost:2222/x.git")]
    [InlineData("git@127.0.0.1:x.git")]
    [InlineData("git@metadata.google.internal:x.git")]
    public async Task A_source_on_a_private_network_is_refused(string url)
    {
        var refusal = await RefusalAsync(url, Refusing);

        refusal.ShouldNotBeNull().Code.ShouldBe("private-network-source");
        refusal.Message.ShouldContain("Repositories:AllowPrivateNetworks");
    }

    [Theory]
    [InlineData("https://140.82.112.3/org/x.git")]
    [InlineData("https://[2606:4700:4700::1111]/x.git")]
    [InlineData("git@140.82.112.3:org/x.git")]
    public async Task A_source_on_a_public_address_is_not(string url) => (await RefusalAsync(url, Refusing)).ShouldBeNull();

    [Theory]
    [InlineData("http://127.0.0.1/x.git")]
    [InlineData("git@localhost:x.git")]
    public async Task With_AllowPrivateNetworks_private_sources_are_accepted(string url) =>
        (await RefusalAsync(url, Allowing)).ShouldBeNull();

    [Fact]
    public async Task A_local_source_is_not_this_rules_business() => (await RefusalAsync("/srv/git/x", Refusing)).ShouldBeNull();

    [Theory]
    [InlineData("git@-oProxyCommand:x")]
    [InlineData("git@a..b:x")]
    public async Task A_malformed_host_is_refused_whatever_the_setting(string url)
    {
        (await RefusalAsync(url, Refusing)).ShouldNotBeNull().Code.ShouldBe("invalid-git-url");
        (await RefusalAsync(url, Allowing)).ShouldNotBeNull().Code.ShouldBe("invalid-git-url");
    }

    private static Task<ClaudeBatch.Domain.Common.DomainError?> RefusalAsync(string url, RepositoriesOptions options) =>
        PrivateNetworks.RefusalAsync(GitSource.Parse(url).Value!, options, new DnsHostResolver(), CancellationToken.None);
}
