using System.Security.Cryptography;
using System.Text;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Infrastructure.Repositories;

/// <summary>
/// AES-256-GCM with a key derived (HKDF) from the server's <c>Jwt:Key</c>: a copy of the database alone does not
/// reveal clone credentials. Changing <c>Jwt:Key</c> makes stored credentials unreadable (clones then fail to
/// authenticate and say so).
/// </summary>
internal sealed class AesGcmSecretProtector(JwtOptions jwt) : ISecretProtector
{
    private const string Version = "v1";
    private readonly byte[] key = HKDF.DeriveKey(
        HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(jwt.Key), 32, info: Encoding.UTF8.GetBytes("claude-batch/secrets/v1"));

    public string Protect(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(key, tag.Length))
        {
            aes.Encrypt(nonce, plain, cipher, tag);
        }

        CryptographicOperations.ZeroMemory(plain);
        return $"{Version}.{Convert.ToBase64String(nonce)}.{Convert.ToBase64String(cipher)}.{Convert.ToBase64String(tag)}";
    }

    public string? Unprotect(string protectedSecret)
    {
        var parts = protectedSecret.Split('.');
        if (parts.Length != 4 || parts[0] != Version)
        {
            return null;
        }

        try
        {
            var nonce = Convert.FromBase64String(parts[1]);
            var cipher = Convert.FromBase64String(parts[2]);
            var tag = Convert.FromBase64String(parts[3]);
            var plain = new byte[cipher.Length];
            using var aes = new AesGcm(key, tag.Length);
            aes.Decrypt(nonce, cipher, tag, plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }
}
