namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// The pinned Claude Code CLI that <c>scripts/test.sh</c> installs with npm into a project-local folder
/// (<c>.tools/claude-code</c>), or the one <c>CLAUDEBATCH_TEST_CLAUDE</c> names.
/// </summary>
public static class RealClaude
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("CLAUDEBATCH_TEST_CLAUDE") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"CLAUDEBATCH_TEST_CLAUDE={configured} does not exist.");
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = System.IO.Path.Combine(folder.FullName, ".tools", "claude-code", "node_modules", ".bin", "claude");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "The Claude Code CLI is not installed: run scripts/test.sh (it installs the pinned version into .tools/claude-code) or set CLAUDEBATCH_TEST_CLAUDE.");
    }
}
