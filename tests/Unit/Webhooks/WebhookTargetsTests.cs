using ClaudeBatch.Application.Webhooks;
using ClaudeBatch.Infrastructure.Repositories;

namespace ClaudeBatch.Unit.Tests.Webhooks;

/// <summary>
/// Where deliveries may go, with the real resolver: every host here is an IP literal or refused by its name before any
/// lookup, so nothing leaves the machine.
/// </summary>
public sealed class WebhookTargetsTests
{
    private static readonly WebhooksOptions Refusing = new();
    private static readonly WebhooksOptions Allowing = new() { AllowPrivateTargets = true };

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://127.9.9.9/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[fd00:ec2::254]/latest")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://172.31.0.1/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("http://localhost:9000/hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/")]
    [InlineData("http://anything.internal/hook")]
    public async Task A_target_on_a_private_network_is_refused(string url)
    {
        var refusal = await new WebhookTargetsProbe(Refusing).RefusalAsync(url);

        refusal.ShouldNotBeNull().Code.ShouldBe("private-network-target");
        refusal.Message.ShouldContain("Webhooks:AllowPrivateTargets");
    }

    [Theory]
    [InlineData("https://140.82.112.3/hook")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    public async Task A_target_on_a_public_address_is_not(string url) =>
        (await new WebhookTargetsProbe(Refusing).RefusalAsync(url)).ShouldBeNull();

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    public async Task AllowPrivateTargets_lets_a_private_target_through(string url) =>
        (await new WebhookTargetsProbe(Allowing).RefusalAsync(url)).ShouldBeNull();

    [Theory]
    [InlineData("ftp://example.com/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.com/")]
    [InlineData("/relative/hook")]
    [InlineData("example.com/hook")]
    [InlineData("http://user:secret@example.com/hook")]
    [InlineData("http://user@example.com/hook")]
    [InlineData("http://@example.com/hook")]
    [InlineData("https://example.com/hook#part")]
    [InlineData("http://-bad-.example.com/hook")]
    public void A_malformed_url_is_refused(string url) => WebhookTargets.Malformed(url).ShouldNotBeNull();

    [Theory]
    [InlineData("https://example.com/hook")]
    [InlineData("http://example.com:8080/hooks/ci?project=a@b")]
    [InlineData("https://[2606:4700:4700::1111]/hook")]
    public void A_plain_http_or_https_url_is_well_formed(string url) => WebhookTargets.Malformed(url).ShouldBeNull();

    private sealed class WebhookTargetsProbe(WebhooksOptions options)
    {
        public Task<ClaudeBatch.Domain.Common.DomainError?> RefusalAsync(string url) =>
            WebhookTargets.RefusalAsync(new Uri(url), options, new DnsHostResolver(), CancellationToken.None);
    }
}
