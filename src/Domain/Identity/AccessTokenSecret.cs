using System.Security.Cryptography;
using System.Text;

namespace ClaudeBatch.Domain.Identity;

/// <summary>
/// The form of a personal access token: <c>cbs_</c> and 32 random bytes in base64url (47 characters), so a scanner can
/// recognise one and a typo is refused without a look-up. Only <see cref="HashOf"/> is ever stored: with 256 random bits
/// a plain SHA-256 cannot be reversed or guessed, and it can be looked up by equality.
/// </summary>
public static class AccessTokenSecret
{
    public const string Prefix = "cbs_";

    private const int RandomBytes = 32;

    /// <summary>The length of every token: the prefix and 43 base64url characters.</summary>
    public static readonly int Length = Prefix.Length + ((RandomBytes * 4) + 2) / 3;

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Whether <paramref name="token"/> has the form of one (the prefix, the length, base64url characters).</summary>
    public static bool IsWellFormed(string? token) =>
        token is not null
        && token.Length == Length
        && token.StartsWith(Prefix, StringComparison.Ordinal)
        && token.AsSpan(Prefix.Length).ContainsAnyExcept(Base64UrlCharacters) is false;

    /// <summary>What is stored and looked up: the lower-case hex SHA-256 of the token's UTF-8 bytes.</summary>
    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static readonly System.Buffers.SearchValues<char> Base64UrlCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
