namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>One line of a shadow-format file: <c>name:hash:lastchg:min:max:warn:inactive:expire:reserved</c>.</summary>
internal sealed record ShadowEntry(string Username, string Hash, long? ExpireDay)
{
    /// <summary>Locked (<c>!</c>, <c>!!</c>, <c>*</c>), empty, or not a crypt hash at all: never logs in.</summary>
    public bool IsUsable => Hash.Length > 0 && Hash[0] is not ('!' or '*');

    public bool IsExpired(DateTimeOffset now) => ExpireDay is { } day && now.ToUnixTimeSeconds() / 86400 >= day;
}

internal static class ShadowFile
{
    public static IEnumerable<ShadowEntry> Read(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(':');
            if (fields.Length < 2 || fields[0].Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            long? expire = fields.Length > 7 && long.TryParse(fields[7], out var day) ? day : null;
            yield return new ShadowEntry(fields[0], fields[1], expire);
        }
    }
}
