using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Cli;

/// <summary>
/// One real server process for the <c>cbs</c> tests (the client is a separate process and needs a real address), with
/// a user and a registered repository whose origin is a local bare repository (so pushes land somewhere to look at).
/// </summary>
public sealed class CliServer : IAsyncLifetime
{
    public const string ChatterCount = "8";

    public ApiFactory Settings { get; } = new ApiFactory()
        .With("Claude:Environment:FAKE_CHATTER_COUNT", ChatterCount)
        .With("Claude:Environment:FAKE_CHATTER_PAUSE", "0.3")
        .With("Webhooks:AllowPrivateTargets", "true");

    public RunningServer Server { get; private set; } = null!;

    public TestUser User { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string Repository { get; private set; } = null!;

    public string Origin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Settings.InitializeAsync();
        User = Settings.Accounts.Add();
        Server = await ServerProcess.StartAsync(Settings.Settings);
        Client = await Server.LoginAsync(User);
        Repository = "cli-repo";
        (Origin, _) = Settings.Sources.Create(Repository, new Dictionary<string, string> { ["README.md"] = "# cli\n" }, bare: true);
        (await Client.RegisterAsync(Repository, Origin)).EnsureSuccessStatusCode();
        (await Client.WaitForCloneAsync(Repository)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
    }

    /// <summary>A client with its own home folder (and so its own saved login).</summary>
    public Cbs NewClient() => new(Directory.CreateDirectory(Path.Combine(Settings.RootPath, "cbs-homes", Guid.NewGuid().ToString("N")[..8])).FullName);

    /// <summary>A client signed in as <see cref="User"/> through <c>--password-stdin</c>.</summary>
    public async Task<Cbs> SignedInAsync()
    {
        var cbs = NewClient();
        var login = await cbs.RunAsync(["login", "--server", Server.Url.ToString(), "--user", User.Username, "--password-stdin"], User.Password + "\n", null);
        login.ExitCode.ShouldBe(0, login.ToString());
        return cbs;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await ((IAsyncLifetime)Settings).DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliServer>
{
    public const string Name = "cbs";
}
