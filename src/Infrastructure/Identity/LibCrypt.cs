using System.Runtime.InteropServices;
using System.Text;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// The system's libxcrypt, called in-process: every scheme the OS accepts (<c>$y$</c>, <c>$6$</c>, <c>$5$</c>,
/// <c>$2b$</c>, <c>$1$</c>) is verified exactly as <c>login</c> would, and no password ever reaches a shell.
/// </summary>
internal static unsafe partial class LibCrypt
{
    // sizeof(struct crypt_data) in libxcrypt.
    private const int CryptDataSize = 32768;

    [LibraryImport("libcrypt.so.1", EntryPoint = "crypt_r")]
    private static partial byte* CryptR(byte* phrase, byte* setting, void* data);

    /// <summary>Hashes <paramref name="phrase"/> with the scheme, parameters and salt of <paramref name="setting"/>; null when refused.</summary>
    public static byte[]? Hash(string phrase, string setting)
    {
        var phraseBytes = ToCString(phrase);
        var settingBytes = ToCString(setting);
        var data = NativeMemory.AllocZeroed(CryptDataSize);
        try
        {
            fixed (byte* p = phraseBytes)
            fixed (byte* s = settingBytes)
            {
                var result = CryptR(p, s, data);
                if (result == null || *result == (byte)'*')
                {
                    return null;
                }

                return new ReadOnlySpan<byte>(result, MemoryMarshal.CreateReadOnlySpanFromNullTerminated(result).Length).ToArray();
            }
        }
        finally
        {
            // crypt_data holds intermediate state derived from the password.
            NativeMemory.Clear(data, CryptDataSize);
            NativeMemory.Free(data);
            Array.Clear(phraseBytes);
        }
    }

    private static byte[] ToCString(string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
