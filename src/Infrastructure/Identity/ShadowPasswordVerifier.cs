using System.Security.Cryptography;
using System.Text;
using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Verifies passwords against a shadow-format file with libcrypt. Unknown and locked accounts still pay for a
/// hash of the same cost, so response time does not tell which usernames exist.
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

    private static void BurnEquivalentTime(List<ShadowEntry> entries, string password)
    {
        var imitate = entries.FirstOrDefault(e => e.IsUsable)?.Hash ?? FallbackSetting;
        _ = LibCrypt.Hash(password, imitate);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
