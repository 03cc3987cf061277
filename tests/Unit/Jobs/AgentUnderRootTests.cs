using ClaudeBatch.Infrastructure.Impersonation;
using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

public sealed class AgentUnderRootTests
{
    private static ClaudeOptions Claude(string permissionMode = "bypassPermissions", params (string Name, string Value)[] environment) =>
        new() { PermissionMode = permissionMode, Environment = environment.ToDictionary(e => e.Name, e => e.Value) };

    private static ImpersonationOptions Mode(string mode) => new() { Mode = mode };

    [Fact]
    public void A_root_server_running_jobs_as_itself_with_bypass_is_refused_naming_the_fix()
    {
        var refusal = AgentUnderRoot.Refusal(Claude(), Mode("none"), serverIsRoot: true);

        refusal.ShouldNotBeNull();
        refusal.ShouldContain("Impersonation:Mode=none");
        refusal.ShouldContain("Impersonation:Mode=setpriv");
        refusal.ShouldContain("IS_SANDBOX=1");
    }

    [Theory]
    [InlineData(false, "none", "bypassPermissions", null)]
    [InlineData(true, "setpriv", "bypassPermissions", null)]
    [InlineData(true, "sudo", "bypassPermissions", null)]
    [InlineData(true, "auto", "bypassPermissions", null)]
    [InlineData(true, "none", "acceptEdits", null)]
    [InlineData(true, "none", "default", null)]
    [InlineData(true, "none", "bypassPermissions", "IS_SANDBOX=1")]
    [InlineData(true, "none", "bypassPermissions", "CLAUDE_CODE_BUBBLEWRAP=1")]
    public void Where_the_CLI_runs_nothing_is_refused(bool root, string mode, string permissionMode, string? variable)
    {
        var environment = variable is null ? [] : new[] { (variable.Split('=')[0], variable.Split('=')[1]) };

        AgentUnderRoot.Refusal(Claude(permissionMode, environment), Mode(mode), root).ShouldBeNull();
    }

    [Theory]
    [InlineData("IS_SANDBOX", "0")]
    [InlineData("IS_SANDBOX", "true")]
    [InlineData("CLAUDE_CODE_BUBBLEWRAP", "")]
    public void Only_what_the_CLI_accepts_counts_as_a_sandbox(string name, string value)
    {
        AgentUnderRoot.Refusal(Claude("bypassPermissions", (name, value)), Mode("none"), serverIsRoot: true).ShouldNotBeNull();
    }
}
