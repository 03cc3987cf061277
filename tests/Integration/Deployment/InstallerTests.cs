using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Deployment;

/// <summary>
/// scripts/install.sh really installs: into a temporary prefix, without systemd, against the test PostgreSQL; the
/// installed server starts, is ready, and logs in a user added with the installed admin command; a second run keeps
/// the configuration and, built from the same source, the build (and, where systemd is not running, installs without it
/// when not told to). The unit it renders
/// passes systemd-analyze verify.
/// </summary>
[Trait("Category", "Deployment")]
[Collection(InstallerCollection.Name)]
public sealed class InstallerTests
{
    [Fact]
    public async Task The_installer_installs_a_server_that_starts_and_logs_in_its_users_and_a_second_run_overwrites_nothing()
    {
        var root = Path.Combine(Path.GetTempPath(), "claudebatch-tests", "install-" + Guid.NewGuid().ToString("N")[..8]);
        var (prefix, config, data) = (Path.Combine(root, "opt"), Path.Combine(root, "etc"), Path.Combine(root, "data"));
        var connection = await PostgresServer.CreateDatabaseAsync("installed");
        string[] install = ["scripts/install.sh", "--prefix", prefix, "--config-dir", config, "--data-dir", data, "--no-systemd",
            "--connection-string", connection, "--port", "0"];
        try
        {
            var first = Shell.Run("bash", install, timeout: TimeSpan.FromMinutes(10));
            first.Code.ShouldBe(0, first.Output);
            var settings = Path.Combine(config, "appsettings.json");
            var written = File.ReadAllBytes(settings);
            var json = JsonDocument.Parse(written).RootElement;
            Convert.FromBase64String(json.GetProperty("Jwt").GetProperty("Key").GetString()!).Length.ShouldBeGreaterThanOrEqualTo(32);
            File.GetUnixFileMode(settings).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "it holds the JWT key");
            File.Exists(Path.Combine(prefix, "claude-code", "node_modules", ".bin", "claude")).ShouldBeTrue();

            var unit = Path.Combine(prefix, "share", "claude-batch-server.service");
            var verify = Shell.Run("systemd-analyze", ["verify", unit]);
            verify.Code.ShouldBe(0, verify.Output);
            File.ReadAllText(unit).ShouldContain("ProtectSystem=full");

            var add = Shell.Run(Path.Combine(prefix, "bin", "claude-batch-user"), ["add", OsUsers.Alice, "--auth-dir", Path.Combine(config, "auth")],
                input: "installed-pw-1\n");
            add.Code.ShouldBe(0, add.Output);
            File.ReadAllText(Path.Combine(config, "auth", "shadow")).ShouldStartWith($"{OsUsers.Alice}:$y$");

            var environment = new Dictionary<string, string?> { ["CLAUDEBATCH_CONFIG"] = settings };
            await using (var server = await ServerProcess.StartAsync(environment, Path.Combine(prefix, "app")))
            {
                var client = server.CreateClient();
                var ready = await client.GetAsync("/health/ready");
                ready.StatusCode.ShouldBe(HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
                var login = await client.PostAsJsonAsync("/auth/login", new { username = OsUsers.Alice, password = "installed-pw-1" });
                login.StatusCode.ShouldBe(HttpStatusCode.OK, server.Output);
                (await client.PostAsJsonAsync("/auth/login", new { username = OsUsers.Alice, password = "wrong" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

                // The installed client is one self-contained file: it signs in and lists, as a CI runner would.
                var home = Path.Combine(root, "home");
                var cbs = Path.Combine(prefix, "bin", "cbs");
                var environmentOfCbs = new Dictionary<string, string> { ["HOME"] = home, ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config") };
                var signIn = Shell.Run(cbs, ["login", "--server", server.Url.ToString(), "--user", OsUsers.Alice, "--password-stdin"],
                    input: "installed-pw-1\n", environment: environmentOfCbs);
                signIn.Code.ShouldBe(0, signIn.Output);
                var jobs = Shell.Run(cbs, ["jobs", "list", "--json"], environment: environmentOfCbs);
                (jobs.Code, jobs.Output.Trim()).ShouldBe((0, "[]"));
            }

            // On a host where systemd is not running (a container, this test machine), asked for the service, it installs
            // the files and says how to start the server instead of failing at systemctl.
            var withoutSystemd = !Directory.Exists("/run/systemd/system");
            var second = Shell.Run("bash", withoutSystemd ? install.Where(a => a != "--no-systemd") : install, timeout: TimeSpan.FromMinutes(10));
            second.Code.ShouldBe(0, second.Output);
            second.Output.ShouldContain("Keeping the existing");
            // Built from the same source already: nothing is published again (--rebuild would).
            second.Output.ShouldContain("already built from this source");
            second.Output.ShouldNotContain("Publishing the server");
            if (withoutSystemd)
            {
                second.Output.ShouldContain("systemd is not running on this host");
                second.Output.ShouldContain($"CLAUDEBATCH_CONFIG={settings}");
            }

            SHA256.HashData(File.ReadAllBytes(settings)).ShouldBe(SHA256.HashData(written), "the configuration (and its JWT key) must survive a reinstall");
            File.ReadAllText(Path.Combine(config, "auth", "shadow")).ShouldStartWith($"{OsUsers.Alice}:$y$");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
