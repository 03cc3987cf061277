using ClaudeBatch.Domain.Webhooks;

namespace ClaudeBatch.Unit.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    [Fact]
    public void Signing_reproduces_the_Standard_Webhooks_published_example()
    {
        // The specification's reference vector: a receiver's Standard Webhooks library must accept what we send.
        var signature = WebhookSignature.Sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}""");

        signature.ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    [Fact]
    public void Another_id_timestamp_or_body_gives_another_signature()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var reference = WebhookSignature.Sign(secret, "msg_1", 1614265330, "{}");

        WebhookSignature.Sign(secret, "msg_2", 1614265330, "{}").ShouldNotBe(reference);
        WebhookSignature.Sign(secret, "msg_1", 1614265331, "{}").ShouldNotBe(reference);
        WebhookSignature.Sign(secret, "msg_1", 1614265330, "{ }").ShouldNotBe(reference);
    }

    [Fact]
    public void A_new_secret_is_whsec_and_32_random_bytes_in_base64()
    {
        var first = WebhookSignature.NewSecret();
        var second = WebhookSignature.NewSecret();

        first.ShouldStartWith("whsec_");
        Convert.FromBase64String(first["whsec_".Length..]).Length.ShouldBe(32);
        first.ShouldNotBe(second);
    }
}
