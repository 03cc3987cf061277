using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.EndToEnd;

/// <summary>
/// One server running jobs with the real Claude Code CLI, as real OS users (setpriv), against the fake model API;
/// the CLI's own settings keep it quiet and quick to give up (one retry).
/// </summary>
public sealed class RealClaudeFixture : IAsyncLifetime
{
    public FakeAnthropicApi Model { get; private set; } = null!;

    public ApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Model = await FakeAnthropicApi.StartAsync();
        Api = new ApiFactory()
            .With("Claude:Command", RealClaude.Path)
            .With("Impersonation:Mode", "setpriv")
            .With("Jobs:StreamHeartbeatSeconds", "1")
            .With("Claude:Environment:ANTHROPIC_BASE_URL", Model.BaseUrl)
            .With("Claude:Environment:ANTHROPIC_API_KEY", "test-key")
            .With("Claude:Environment:CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .With("Claude:Environment:DISABLE_TELEMETRY", "1")
            .With("Claude:Environment:DISABLE_AUTOUPDATER", "1")
            .With("Claude:Environment:CLAUDE_CODE_MAX_RETRIES", "1");
        await Api.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Api).DisposeAsync();
        await Model.DisposeAsync();
    }
}
