namespace ClaudeBatch.Infrastructure.Impersonation;

internal static class OwnerOnly
{
    /// <summary>Mode 0700: only the owner (and root) may enter the folder.</summary>
    public static void Restrict(string folder)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
