namespace ClaudeBatch.Infrastructure.Impersonation;

internal static class OwnerOnly
{
    /// <summary>0700.</summary>
    public const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Mode 0700: only the owner (and root) may enter the folder.</summary>
    public static void Restrict(string folder)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
