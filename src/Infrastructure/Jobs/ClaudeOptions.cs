namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary><c>Claude</c>: how the Claude Code CLI is started for a job.</summary>
public sealed class ClaudeOptions
{
    public const string Section = "Claude";

    public static readonly string[] PermissionModes = ["bypassPermissions", "acceptEdits", "default", "plan"];

    /// <summary>The program (on PATH or a full path).</summary>
    public string Command { get; set; } = "claude";

    /// <summary>
    /// <c>bypassPermissions</c> (default: <c>--dangerously-skip-permissions</c>, tools run unprompted), <c>acceptEdits</c>,
    /// <c>default</c> or <c>plan</c> (<c>--permission-mode</c>).
    /// </summary>
    public string PermissionMode { get; set; } = "bypassPermissions";

    public const string ConfigInHome = "home";
    public const string ConfigPerJob = "job";

    /// <summary>
    /// Where Claude keeps its settings and sessions: <c>home</c> (default: the user's own <c>~/.claude</c>, so their
    /// login is used) or <c>job</c> (a private <c>claude-config</c> folder beside the job's workspace, via
    /// <c>CLAUDE_CONFIG_DIR</c>).
    /// </summary>
    public string ConfigDir { get; set; } = ConfigInHome;

    /// <summary>Variables given to the agent on top of a clean environment (PATH, HOME, USER, LANG).</summary>
    public Dictionary<string, string> Environment { get; set; } = [];
}
