using System.Net;
using System.Net.Sockets;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Failed logins, counted in fixed windows (<c>Auth:LoginRateLimit</c>) per (username, client address), per username and
/// per client address. An attempt takes its place in all three counts before its password is checked, so a burst of
/// parallel guesses cannot overrun a limit, and gives it back unless the password turned out wrong: only failures stay
/// counted. (System.Threading.RateLimiting's window limiters cannot take a permit back, hence this small counter.)
/// </summary>
public sealed class LoginFailureLimiter(AuthOptions auth, TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Window> windows = new(StringComparer.Ordinal);
    private long lastSweep = clock.GetTimestamp();

    private LoginRateLimitOptions Limits => auth.LoginRateLimit;

    private TimeSpan Length => TimeSpan.FromSeconds(Limits.WindowSeconds);

    /// <summary>
    /// How the limits name a client: its address, an IPv4-mapped IPv6 address as IPv4, and an IPv6 address by its /64
    /// (one host usually holds a whole /64: counted per address, it would have 2^64 fresh starts).
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Takes a place for one login attempt; null (with how long to wait) when a limit is already reached.</summary>
    public LoginAttempt? TryBegin(string username, string clientAddress, out TimeSpan retryAfter)
    {
        (string Key, int Limit)[] counts =
        [
            ($"user+address:{username}\n{clientAddress}", Limits.FailuresPerUserAndAddress),
            ($"user:{username}", Limits.FailuresPerUser),
            ($"address:{clientAddress}", Limits.FailuresPerAddress),
        ];

        lock (gate)
        {
            var now = clock.GetTimestamp();
            Sweep(now);
            retryAfter = TimeSpan.Zero;
            var taken = new Window[counts.Length];
            for (var i = 0; i < counts.Length; i++)
            {
                if (!windows.TryGetValue(counts[i].Key, out var window) || window.HasEnded(now, clock, Length))
                {
                    windows[counts[i].Key] = window = new Window(now);
                }

                taken[i] = window;
                if (window.Failures >= counts[i].Limit)
                {
                    var left = Length - clock.GetElapsedTime(window.Start, now);
                    retryAfter = left > retryAfter ? left : retryAfter;
                }
            }

            if (retryAfter > TimeSpan.Zero)
            {
                return null;
            }

            foreach (var window in taken)
            {
                window.Failures++;
            }

            return new LoginAttempt(this, taken);
        }
    }

    private void GiveBack(Window[] taken)
    {
        lock (gate)
        {
            // A window that has ended meanwhile is no longer in the table: giving back to it changes nothing.
            foreach (var window in taken)
            {
                window.Failures--;
            }
        }
    }

    /// <summary>Drops ended windows once per window length, so the table holds only the last window's clients.</summary>
    private void Sweep(long now)
    {
        if (clock.GetElapsedTime(lastSweep, now) < Length)
        {
            return;
        }

        lastSweep = now;
        foreach (var (key, window) in windows)
        {
            if (window.HasEnded(now, clock, Length))
            {
                windows.Remove(key);
            }
        }
    }

    /// <summary>One login attempt's place in the counts: kept when its password was wrong, given back otherwise.</summary>
    public sealed class LoginAttempt
    {
        private readonly LoginFailureLimiter limiter;
        private Window[]? taken;

        internal LoginAttempt(LoginFailureLimiter limiter, Window[] taken) => (this.limiter, this.taken) = (limiter, taken);

        public void Settle(bool failed)
        {
            if (Interlocked.Exchange(ref taken, null) is { } windows && !failed)
            {
                limiter.GiveBack(windows);
            }
        }
    }

    internal sealed class Window(long start)
    {
        public long Start { get; } = start;

        public int Failures { get; set; }

        public bool HasEnded(long now, TimeProvider clock, TimeSpan length) => clock.GetElapsedTime(Start, now) >= length;
    }
}
