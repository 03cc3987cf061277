using ClaudeBatch.Application.Workspaces;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Foundation;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Jobs:MaxConcurrent", "0", "Jobs:MaxConcurrent")]
    [InlineData("Jobs:MaxConcurrent", "many", "Jobs:MaxConcurrent")]
    [InlineData("Workspace:CopyStrategy", "hardlink", "Workspace:CopyStrategy")]
    [InlineData("Workspace:JobsPath", "relative/jobs", "Workspace:JobsPath")]
    [InlineData("Jwt:Key", "too-short-key", "Jwt:Key")]
    [InlineData("Jwt:Key", "dev-only-sample-key-change-me-0123456789abcdef", "Jwt:Key")]
    [InlineData("Auth:LoginRateLimit:WindowSeconds", "0", "Auth:LoginRateLimit:WindowSeconds")]
    [InlineData("Auth:LoginRateLimit:PermitLimitPerUser", "10", "Auth:LoginRateLimit:FailuresPerUserAndAddress")]
    [InlineData("Auth:MaxTokenDays", "0", "Auth:MaxTokenDays")]
    [InlineData("Http:KnownProxies:0", "nginx", "Http:KnownProxies")]
    [InlineData("Jobs:RetentionSchedule", "every hour", "Jobs:RetentionSchedule")]
    [InlineData("Jobs:RetentionDays", "-1", "Jobs:RetentionDays")]
    [InlineData("Jobs:MemoryLimitBytes", "512", "Jobs:MemoryLimitBytes")]
    [InlineData("Jobs:MaxProcesses", "2", "Jobs:MaxProcesses")]
    [InlineData("Jobs:MaxQueuedPerUser", "0", "Jobs:MaxQueuedPerUser")]
    [InlineData("Jobs:MaxRunningPerUser", "6", "Jobs:MaxRunningPerUser")]
    [InlineData("Jobs:MaxQueued", "200000", "Jobs:MaxQueued")]
    [InlineData("Jobs:MaxStreamsPerUser", "0", "Jobs:MaxStreamsPerUser")]
    [InlineData("Repositories:AllowedLocalRoots", "/srv/git", "Repositories__AllowedLocalRoots__0=")]
    [InlineData("Http:KnownProxies", "10.0.0.1", "Http__KnownProxies__0=")]
    [InlineData("Claude:Environment", "ANTHROPIC_API_KEY", "Claude__Environment__NAME=")]
    public async Task Invalid_configuration_stops_the_server_with_a_message_naming_the_key(string key, string value, string named)
    {
        var root = Path.Combine(Path.GetTempPath(), "claudebatch-tests", Guid.NewGuid().ToString("N")[..12]);
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Database=none;Username=none",
            ["Jwt:Key"] = new string('k', 48),
            ["Workspace:RepositoriesPath"] = Path.Combine(root, "repos"),
            ["Workspace:JobsPath"] = Path.Combine(root, "jobs"),
            [key] = value,
        };

        var exit = await ServerProcess.RunUntilExitAsync(environment, TimeSpan.FromSeconds(60));

        exit.Code.ShouldNotBe(0, exit.Output);
        exit.Output.ShouldContain(named);
    }

    [Fact]
    public async Task The_server_watches_no_folder_so_its_working_directory_may_hold_anything()
    {
        // ASP.NET's default reloadable configuration watches the content root (the working directory, here the test
        // build's folder with its many subfolders) recursively: started beside its jobs folder, a server put an
        // inotify watch on every workspace folder and held memory for each.
        var settings = new ApiFactory();
        await settings.InitializeAsync();
        try
        {
            await using var server = await ServerProcess.StartAsync(settings.Settings);
            Directory.EnumerateDirectories(AppContext.BaseDirectory).ShouldNotBeEmpty();

            server.InotifyWatches().ShouldBe(0, server.Output);
        }
        finally
        {
            await ((IAsyncLifetime)settings).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_leading_tilde_in_a_path_means_the_home_directory()
    {
        var folder = "claudebatch-tilde-test-" + Guid.NewGuid().ToString("N")[..8];
        var api = new ApiFactory().With("Workspace:JobsPath", "~/" + folder);
        await api.InitializeAsync();
        try
        {
            var options = api.Services.GetRequiredService<WorkspaceOptions>();

            options.JobsPath.ShouldBe(Path.Combine(Environment.GetEnvironmentVariable("HOME")!, folder));
            Directory.Exists(options.JobsPath).ShouldBeTrue();
            Directory.Delete(options.JobsPath);
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }
}
