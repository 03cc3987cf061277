using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Playwright;

namespace ClaudeBatch.Integration.Tests.Dashboard;

/// <summary>
/// One real server process (with the fake agent, a user and a cloned repository whose origin is a local bare
/// repository) and one headless Chromium for the dashboard tests; each test opens its own browser context.
/// </summary>
public sealed class DashboardServer : IAsyncLifetime
{
    /// <summary>Chromium resolves Google hosts by itself; this keeps every lookup on the machine (browser-tests.md).</summary>
    public const string NoOutsideLookups = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost";

    /// <remarks>
    /// The server runs from the build output, whose files ASP.NET Core serves with <c>no-cache</c> (so edits show at
    /// once) unless <c>EnableStaticAssetsDevelopmentCaching</c>; with it, they get the long cache a published server has.
    /// </remarks>
    public ApiFactory Settings { get; } = new ApiFactory()
        .With("Claude:Environment:FAKE_NARRATE_PAUSE", "3")
        .With("EnableStaticAssetsDevelopmentCaching", "true");

    public RunningServer Server { get; private set; } = null!;

    public TestUser User { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public string Repository { get; } = "web-repo";

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots of failed tests go (the test output folder).</summary>
    public static string Artifacts { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");

    public async Task InitializeAsync()
    {
        await Settings.InitializeAsync();
        User = Settings.Accounts.Add();
        var browser = Task.Run(async () =>
        {
            Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
            Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = [NoOutsideLookups],
            });
        });
        Server = await ServerProcess.StartAsync(Settings.Settings);
        Client = await Server.LoginAsync(User);
        var (origin, _) = Settings.Sources.Create(Repository, new Dictionary<string, string> { ["README.md"] = "# web\n" }, bare: true);
        (await Client.RegisterAsync(Repository, origin)).EnsureSuccessStatusCode();
        (await Client.WaitForCloneAsync(Repository)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        await browser;
    }

    /// <summary>
    /// Runs <paramref name="test"/> in a fresh browser context (its own sessionStorage); on failure, saves a
    /// screenshot named after the test under <see cref="Artifacts"/> and rethrows.
    /// </summary>
    public async Task InBrowserAsync(string name, Func<IPage, Task> test)
    {
        await using var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.Url.ToString(),
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        try
        {
            await test(page);
            errors.ShouldBeEmpty();
        }
        catch
        {
            Directory.CreateDirectory(Artifacts);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, $"{name}.png"), FullPage = true });
            throw;
        }
    }

    /// <summary>Opens the dashboard and signs in as <see cref="User"/> through the form.</summary>
    public async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("User name").FillAsync(User.Username);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(User.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Exact = true })).ToBeVisibleAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
        Client.Dispose();
        await Server.DisposeAsync();
        await ((IAsyncLifetime)Settings).DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardServer>
{
    public const string Name = "dashboard";
}
