namespace ClaudeBatch.Infrastructure.Configuration;

/// <summary>Every path option may start with <c>~</c>, meaning the server user's home directory.</summary>
public static class HomePath
{
    public static string Expand(string path)
    {
        if (path != "~" && !path.StartsWith("~/", StringComparison.Ordinal))
        {
            return path;
        }

        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return path == "~" ? home : Path.Combine(home, path[2..]);
    }
}
