using System.Runtime.InteropServices;
using ClaudeBatch.Application.Jobs;

namespace ClaudeBatch.Infrastructure.Impersonation;

/// <summary>The account the server itself runs as: what jobs run as with Impersonation:Mode none, and what indexes masters.</summary>
internal static partial class ServerAccount
{
    public static RunAs Identity { get; } =
        new(Environment.UserName, (int)geteuid(), (int)getegid(), [], Environment.GetEnvironmentVariable("HOME") ?? "/", SwitchesUser: false);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc")]
    private static partial uint getegid();
}
