using System.Security.Cryptography;
using System.Text;
using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Verifies passwords against a shadow-format file with libcrypt. Unknown and locked accounts still pay for a
/// hash of the cost most accounts' hashes have (<see cref="ImitationFor"/>), so response time does not tell which
/// usernames exist.
/// </summary>
internal sealed class ShadowPasswordVerifier(AuthOptions options, TimeProvider clock) : IPasswordVerifier
{
    // Used only when the file holds no usable hash to imitate.
    private const string FallbackSetting = "$6$rounds=5000$claudebatchdummy$";

    public ValueTask<PasswordVerdict> VerifyAsync(string username, string password, CancellationToken cancellationToken)
    {
        var entries = ShadowFile.Read(options.ShadowFilePath).ToList();
        var entry = entries.FirstOrDefault(e => e.Username == username);

        if (entry is null || !entry.IsUsable || entry.IsExpired(clock.GetUtcNow()))
        {
            BurnEquivalentTime(entries, password);
            return ValueTask.FromResult(entry is null ? PasswordVerdict.UnknownUser : PasswordVerdict.Locked);
        }

        var passwordIsTheHash = FixedTimeEquals(password, entry.Hash);
        var computed = LibCrypt.Hash(password, entry.Hash);
        if (computed is null || computed.Length != Encoding.UTF8.GetByteCount(entry.Hash))
        {
            // Not a whole crypt hash ("NP", "LK", "x": a hash of any password would be longer, or none is made): no
            // password opens it, not even its own text.
            return ValueTask.FromResult(PasswordVerdict.WrongPassword);
        }

        if (passwordIsTheHash && options.AllowPrecomputedHash)
        {
            return ValueTask.FromResult(PasswordVerdict.Verified);
        }

        if (CryptographicOperations.FixedTimeEquals(computed, Encoding.UTF8.GetBytes(entry.Hash)))
        {
            return ValueTask.FromResult(PasswordVerdict.Verified);
        }

        return ValueTask.FromResult(passwordIsTheHash ? PasswordVerdict.PrecomputedHashRefused : PasswordVerdict.WrongPassword);
    }

    private static void BurnEquivalentTime(List<ShadowEntry> entries, string password) =>
        _ = LibCrypt.Hash(password, ImitationFor(entries));

    /// <summary>
    /// The hash an unknown or locked account's login is timed with: one of the most common scheme and cost among the
    /// file's hashes, which is what a user's login costs. The first usable entry would not do: root's is often of another
    /// scheme (a fast MD5 one, say, beside the users' yescrypt), or a placeholder (<c>NP</c>) that hashes nothing, and
    /// every unknown name would then be answered sooner than a known one.
    /// </summary>
    internal static string ImitationFor(IEnumerable<ShadowEntry> entries) =>
        entries
            .Where(e => e.IsUsable)
            .Select(e => (e.Hash, Cost: CostOf(e.Hash)))
            .Where(e => e.Cost is not null)
            .GroupBy(e => e.Cost, StringComparer.Ordinal)
            .MaxBy(group => group.Count())
            ?.First().Hash
        ?? FallbackSetting;

    /// <summary>
    /// What decides a crypt hash's cost: its scheme and parameters (<c>$6$rounds=50000</c>, <c>$y$j9T</c>, <c>$2b$12</c>,
    /// <c>$1</c>), without salt and digest; <c>des</c> for a traditional 13-character hash; null for anything else.
    /// </summary>
    internal static string? CostOf(string hash)
    {
        var parts = hash.Split('$');
        if (parts.Length < 4 || parts[0].Length > 0 || parts[1].Length == 0)
        {
            return hash.Length == 13 && hash.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '/') ? "des" : null;
        }

        // bcrypt's salt and digest are one field after the cost; the other schemes end in salt, then digest.
        return parts[1] is "2a" or "2b" or "2x" or "2y" ? $"${parts[1]}${parts[2]}" : string.Join('$', parts[..^2]);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
