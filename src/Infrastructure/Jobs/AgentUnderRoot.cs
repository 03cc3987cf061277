using ClaudeBatch.Infrastructure.Impersonation;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>
/// Claude Code refuses <c>--dangerously-skip-permissions</c> as root ("cannot be used with root/sudo privileges") unless
/// <c>IS_SANDBOX=1</c> or <c>CLAUDE_CODE_BUBBLEWRAP</c> is set. A root server with <c>Impersonation:Mode=none</c> runs
/// every job as root, so every job would fail with that line: the server says why, and how to fix it, instead
/// (in readiness, and as each job's failure before anything is copied).
/// </summary>
public static class AgentUnderRoot
{
    /// <summary>Why the agent would refuse to run, or null when it will not.</summary>
    public static string? Refusal(ClaudeOptions claude, ImpersonationOptions impersonation, bool serverIsRoot)
    {
        if (!serverIsRoot || impersonation.EffectiveMode != ImpersonationOptions.None || claude.PermissionMode != "bypassPermissions")
        {
            return null;
        }

        var sandboxed = claude.Environment.TryGetValue("IS_SANDBOX", out var sandbox) && sandbox == "1"
            || claude.Environment.TryGetValue("CLAUDE_CODE_BUBBLEWRAP", out var bubblewrap) && !string.IsNullOrEmpty(bubblewrap);
        return sandboxed
            ? null
            : "The server runs as root with Impersonation:Mode=none, so jobs would run as root, where Claude Code refuses "
              + "Claude:PermissionMode=bypassPermissions (--dangerously-skip-permissions). Set Impersonation:Mode=setpriv "
              + "(jobs run as their users), or run the server as a normal account; only inside a container or sandbox, "
              + "set Claude:Environment:IS_SANDBOX=1.";
    }
}
