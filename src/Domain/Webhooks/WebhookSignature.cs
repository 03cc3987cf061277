using System.Security.Cryptography;
using System.Text;

namespace ClaudeBatch.Domain.Webhooks;

/// <summary>
/// Signing as the Standard Webhooks specification says: HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>, keyed with the
/// base64-decoded part of the secret after <c>whsec_</c>, sent as <c>v1,&lt;base64&gt;</c>.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    private const int SecretBytes = 32;

    /// <summary>A new secret: 32 random bytes, base64, after <c>whsec_</c>.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    /// <summary>The <c>webhook-signature</c> header's value.</summary>
    public static string Sign(string secret, string id, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        try
        {
            var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
            return "v1," + Convert.ToBase64String(mac);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
