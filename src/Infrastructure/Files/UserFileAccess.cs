using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ClaudeBatch.Application.Jobs;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// Runs file lookups with a job user's rights, so the server never reads with more rights than the user has: on
/// dedicated threads that switch their own filesystem credentials (<c>setfsuid</c>, <c>setfsgid</c> and the
/// supplementary groups — per thread on Linux) to the user's for the duration of the work. With a non-zero fsuid
/// the kernel drops the thread's file capabilities (<c>CAP_DAC_OVERRIDE</c>, <c>CAP_DAC_READ_SEARCH</c>, …), so
/// every permission check of the lookup and the open — directories on the way, the file itself, ACLs — is the
/// kernel's own, as the user. A descriptor opened this way stays usable after the thread switches back.
/// A thread created while another is switched inherits that thread's credentials, so the work given here must be
/// plain system calls: nothing asynchronous, nothing queued to the thread pool (the result is handed back only
/// after the switch back).
/// </summary>
public static partial class UserFileAccess
{
    private static readonly int Threads = Math.Clamp(Environment.ProcessorCount, 2, 4);
    private static readonly BlockingCollection<WorkItem> Queue = new();
    private static readonly uint[] ServerGroups = CurrentGroups();

    static UserFileAccess()
    {
        for (var i = 0; i < Threads; i++)
        {
            new Thread(Serve) { IsBackground = true, Name = $"user-file-access-{i}" }.Start();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> as <paramref name="identity"/>'s filesystem credentials when the server switches
    /// users (it runs as root); otherwise on the calling thread, with the server's own (which are then the user's).
    /// </summary>
    public static Task<T> RunAsync<T>(RunAs identity, Func<T> work)
    {
        if (!identity.SwitchesUser || !Environment.IsPrivilegedProcess)
        {
            try
            {
                return Task.FromResult(work());
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
        }

        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        T result = default!;
        Exception? failure = null;
        Queue.Add(new WorkItem(
            identity,
            () =>
            {
                try
                {
                    result = work();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            },
            () =>
            {
                if (failure is null)
                {
                    done.SetResult(result);
                }
                else
                {
                    done.SetException(failure);
                }
            }));
        return done.Task;
    }

    private static void Serve()
    {
        foreach (var item in Queue.GetConsumingEnumerable())
        {
            Become(item.Identity);
            try
            {
                item.Run();
            }
            finally
            {
                BecomeRoot();
            }

            // Only now, with the server's rights back: completing the task queues its continuation, and a thread the
            // runtime creates for it would inherit this thread's credentials (clone copies the caller's).
            item.Complete();
        }
    }

    private static void Become(RunAs identity)
    {
        var groups = identity.Groups.Select(g => (uint)g).Prepend((uint)identity.Gid).Distinct().ToArray();
        // Groups and gid first, while the thread still has its capabilities; the uid last.
        if (SetGroups(groups) != 0)
        {
            Environment.FailFast($"setgroups for uid {identity.Uid} failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        setfsgid((uint)identity.Gid);
        setfsuid((uint)identity.Uid);
        if (setfsuid(uint.MaxValue) != identity.Uid || setfsgid(uint.MaxValue) != identity.Gid)
        {
            Environment.FailFast($"setfsuid/setfsgid to {identity.Uid}:{identity.Gid} did not take effect.");
        }
    }

    private static void BecomeRoot()
    {
        setfsuid(0);
        setfsgid(0);
        // A thread that could not get its rights back must never serve another request.
        if (setfsuid(uint.MaxValue) != 0 || setfsgid(uint.MaxValue) != 0 || SetGroups(ServerGroups) != 0)
        {
            Environment.FailFast("A file-access thread could not return to the server's own credentials.");
        }
    }

    // Raw system calls, each changing only the calling thread: glibc's wrappers of setgroups, setfsuid and setfsgid
    // apply the change to every thread of the process (POSIX semantics), which would hand the whole server the
    // user's rights. Given -1, setfsuid/setfsgid change nothing and return the current value.
    private static unsafe int SetGroups(uint[] groups)
    {
        fixed (uint* list = groups)
        {
            return (int)syscall(Arm64 ? 159L : 116L, groups.Length, (nint)list);
        }
    }

    private static int setfsuid(uint uid) => (int)syscall(Arm64 ? 151L : 122L, (nint)uid, 0);

    private static int setfsgid(uint gid) => (int)syscall(Arm64 ? 152L : 123L, (nint)gid, 0);

    private static bool Arm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    private static unsafe uint[] CurrentGroups()
    {
        var count = getgroups(0, null);
        var groups = new uint[Math.Max(count, 0)];
        fixed (uint* list = groups)
        {
            return count > 0 && getgroups(count, list) == count ? groups : [];
        }
    }

    [LibraryImport("libc")]
    private static unsafe partial int getgroups(int size, uint* list);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, nint first, nint second);

    private sealed record WorkItem(RunAs Identity, Action Run, Action Complete);
}
