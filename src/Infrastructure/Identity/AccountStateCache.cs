using ClaudeBatch.Application.Identity;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// Which accounts exist and may act, from <c>Auth:ShadowFilePath</c> and <c>Auth:PasswdFilePath</c>, without a file
/// parse per request: the files' modification time and size are looked at (two <c>stat</c>s) at most every
/// <see cref="RefreshInterval"/>, and the files are read again only when those changed. A refusal is always confirmed
/// with a fresh look, so a stale snapshot never turns away an account added a moment ago, while an account locked,
/// expired or removed is refused within the interval. Files that cannot be read vouch for nobody.
/// </summary>
internal sealed class AccountStateCache(AuthOptions options, TimeProvider clock, ILogger<AccountStateCache> logger) : IAccountStates
{
    /// <summary>The most a request's answer may lag behind the files (the guarantee is 10 s).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    // A file written this shortly before it was read may be written again with the same time stamp and size (file
    // systems with coarse clocks), so it is read again at the next look rather than trusted to its stamp.
    private static readonly TimeSpan StampResolution = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private volatile Snapshot? snapshot;

    public AccountState Recent(string username) => Recent(username, uid: null);

    public AccountState Recent(string username, int uid) => Recent(username, (int?)uid);

    private AccountState Recent(string username, int? uid)
    {
        var current = snapshot;
        if (current is null || clock.GetElapsedTime(current.LookedAt) >= RefreshInterval)
        {
            current = Look(RefreshInterval);
        }

        var state = current.StateOf(username, uid, clock.GetUtcNow());
        return state == AccountState.Usable ? state : Look(TimeSpan.Zero).StateOf(username, uid, clock.GetUtcNow());
    }

    public AccountState Current(string username, int? uid) => Look(TimeSpan.Zero).StateOf(username, uid, clock.GetUtcNow());

    /// <summary>Stats the files (unless another caller did within <paramref name="unlessWithin"/>) and reads them if they changed.</summary>
    private Snapshot Look(TimeSpan unlessWithin)
    {
        lock (gate)
        {
            var current = snapshot;
            if (current is not null && unlessWithin > TimeSpan.Zero && clock.GetElapsedTime(current.LookedAt) < unlessWithin)
            {
                return current;
            }

            // Stamps before contents: a change in between is seen again at the next look, never missed.
            var shadow = FileStamp.Of(options.ShadowFilePath);
            var passwd = FileStamp.Of(options.PasswdFilePath);
            var now = clock.GetTimestamp();
            snapshot = current is { Unsettled: false } && current.ShadowStamp == shadow && current.PasswdStamp == passwd
                ? current with { LookedAt = now }
                : Read(shadow, passwd, now, current);
            return snapshot;
        }
    }

    private Snapshot Read(FileStamp shadowStamp, FileStamp passwdStamp, long now, Snapshot? previous)
    {
        try
        {
            var shadow = new Dictionary<string, ShadowEntry>(StringComparer.Ordinal);
            foreach (var entry in ShadowFile.Read(options.ShadowFilePath))
            {
                // The first entry wins, as it does for a login.
                shadow.TryAdd(entry.Username, entry);
            }

            var passwd = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var account in PasswdFile.Read(options.PasswdFilePath))
            {
                // The first entry wins, as it does for a job's identity.
                passwd.TryAdd(account.Username, account.Uid);
            }

            var recently = clock.GetUtcNow().UtcDateTime - StampResolution;
            var unsettled = shadowStamp.LastWriteUtc > recently || passwdStamp.LastWriteUtc > recently;
            return new Snapshot(shadow, passwd, shadowStamp, passwdStamp, now, unsettled, Unreadable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (previous is not { Unreadable: true })
            {
                logger.LogWarning("The account files cannot be read, so every token is refused until they can: {Reason}", e.Message);
            }

            return new Snapshot([], [], shadowStamp, passwdStamp, now, Unsettled: true, Unreadable: true);
        }
    }

    /// <summary>The shadow entries and passwd names as read, the stamps they were read at, and when the files were last looked at.</summary>
    private sealed record Snapshot(
        Dictionary<string, ShadowEntry> ShadowEntries,
        Dictionary<string, int> PasswdUids,
        FileStamp ShadowStamp,
        FileStamp PasswdStamp,
        long LookedAt,
        bool Unsettled,
        bool Unreadable)
    {
        /// <summary>The account's state; with <paramref name="uid"/>, an account of that name with another uid is another account: gone.</summary>
        public AccountState StateOf(string username, int? uid, DateTimeOffset now)
        {
            if (!ShadowEntries.TryGetValue(username, out var entry) || !PasswdUids.TryGetValue(username, out var found) || (uid is { } expected && found != expected))
            {
                return AccountState.Gone;
            }

            if (!entry.IsUsable)
            {
                return AccountState.Locked;
            }

            return entry.IsExpired(now) ? AccountState.Expired : AccountState.Usable;
        }
    }

    private readonly record struct FileStamp(bool Exists, DateTime LastWriteUtc, long Length)
    {
        public static FileStamp Of(string path)
        {
            var file = new FileInfo(path);
            return file.Exists ? new FileStamp(true, file.LastWriteTimeUtc, file.Length) : default;
        }
    }
}
