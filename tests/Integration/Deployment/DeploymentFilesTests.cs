using System.Diagnostics;
using System.Text.RegularExpressions;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Deployment;

/// <summary>The deployment files are checked by the tools that will read them.</summary>
[Trait("Category", "Deployment")]
public sealed class DeploymentFilesTests
{
    [Fact]
    public void Every_shell_script_passes_shellcheck()
    {
        var scripts = new[] { "scripts", "scripts/lib", "bench", "bench/lib", "docker" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(RepositoryRoot.Path, d), "*.sh"))
            .Append(Path.Combine(RepositoryRoot.Path, "scripts", "claude-batch-user"))
            .Append(Path.Combine(RepositoryRoot.Path, "tools", "demo-agent", "claude-demo"))
            .Append(Path.Combine(RepositoryRoot.Path, ".ci", "run"))
            .ToList();
        scripts.Count.ShouldBeGreaterThan(10);

        var (code, output) = Shell.Run("shellcheck", ["-x", "-P", "SCRIPTDIR", .. scripts]);

        code.ShouldBe(0, output);
    }

    [Theory]
    [InlineData("bash", "scripts/claude-batch-user", "claude-batch-user add NAME")]
    [InlineData("bash", "scripts/install.sh", "--no-systemd")]
    [InlineData("bash", "scripts/run-local.sh", "scripts/run-local.sh --demo")]
    [InlineData("sh", "tools/demo-agent/claude-demo", "--resume ID")]
    public void Each_command_answers_help_with_its_usage_alone_and_exit_code_0(string shell, string script, string usage)
    {
        var (code, output) = Shell.Run(shell, [script, "--help"]);

        code.ShouldBe(0, output);
        output.ShouldContain(usage);
        output.ShouldNotContain("set -e", customMessage: "only the comment is the usage, not the code after it");
        output.ShouldNotContain("#!");
    }

    [Fact]
    public void The_Dockerfile_has_no_parser_directive_where_docker_would_ignore_it()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docker", "Dockerfile"));

        // A "# syntax=" or "# escape=" line counts only before any other comment or instruction; below, it is silently a comment.
        var directives = lines.Select((line, index) => (line, index))
            .Where(l => Regex.IsMatch(l.line, @"^#\s*(syntax|escape|check)\s*=", RegexOptions.IgnoreCase)).ToList();
        directives.Select(d => d.index).ShouldBe(Enumerable.Range(0, directives.Count),
            string.Join("\n", directives.Select(d => $"line {d.index + 1}: {d.line}")));
    }

    [Fact]
    public void The_compose_file_is_valid_and_refuses_to_start_without_a_JWT_key()
    {
        var compose = Path.Combine(RepositoryRoot.Path, "docker", "docker-compose.yml");
        var environment = new Dictionary<string, string> { ["JWT_KEY"] = "k", ["POSTGRES_PASSWORD"] = "p" };

        var valid = Shell.Run("docker-compose", ["-f", compose, "--profile", "tls", "config", "-q"], environment);
        valid.Code.ShouldBe(0, valid.Output);
        Shell.Run("docker-compose", ["-f", compose, "--profile", "tls", "config", "--services"], environment).Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["postgres", "server", "server-2", "nginx"], ignoreOrder: true);

        var withoutKey = Shell.Run("docker-compose", ["-f", compose, "config", "-q"], new Dictionary<string, string> { ["POSTGRES_PASSWORD"] = "p" });
        withoutKey.Code.ShouldNotBe(0);
        withoutKey.Output.ShouldContain("set JWT_KEY");
        File.ReadAllText(compose).ShouldNotContain("privileged: true");
    }

    [Fact]
    public void The_cluster_profile_adds_a_second_node_with_its_own_name_address_and_workspaces_behind_the_same_nginx()
    {
        var compose = Path.Combine(RepositoryRoot.Path, "docker", "docker-compose.yml");
        var environment = new Dictionary<string, string> { ["JWT_KEY"] = "k", ["POSTGRES_PASSWORD"] = "p" };

        var services = Shell.Run("docker-compose", ["-f", compose, "--profile", "tls", "--profile", "cluster", "config", "--services"], environment);
        services.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["postgres", "server", "server-2", "nginx"], ignoreOrder: true);
        var config = Shell.Run("docker-compose", ["-f", compose, "--profile", "tls", "--profile", "cluster", "config"], environment);
        config.Code.ShouldBe(0, config.Output);

        var nodes = Regex.Matches(config.Output, @"Jobs__NodeName: (\S+)").Select(m => m.Groups[1].Value).ToList();
        nodes.ShouldBe(["node-1", "node-2"], ignoreOrder: true);
        Regex.Matches(config.Output, @"Jobs__NodeUrl: (\S+)").Select(m => m.Groups[1].Value).ShouldBe(["http://server:8080", "http://server-2:8080"], ignoreOrder: true);
        // Each node its own workspaces (a job's files live on its node); the second reads the first's accounts only.
        config.Output.ShouldContain("server-2-data:/data:rw");
        config.Output.ShouldContain("server-data:/node-1:ro");
        // Both nodes share one MaxConcurrent and one database.
        Regex.Matches(config.Output, @"ConnectionStrings__Postgres: (\S+)").Select(m => m.Groups[1].Value).Distinct().Count().ShouldBe(1);

        var nginx = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docker", "nginx.conf"));
        nginx.ShouldContain("server server:8080 resolve;");
        nginx.ShouldContain("server server-2:8080 resolve;");
        Regex.Matches(nginx, @"proxy_pass (\S+);").Select(m => m.Groups[1].Value).Distinct().ShouldBe(["http://claude_batch"]);
    }

    [Fact]
    public void Behind_the_compose_nginx_the_server_believes_nginx_alone_and_nginx_forwards_the_connecting_address()
    {
        var compose = Path.Combine(RepositoryRoot.Path, "docker", "docker-compose.yml");
        var environment = new Dictionary<string, string> { ["JWT_KEY"] = "k", ["POSTGRES_PASSWORD"] = "p" };

        var config = Shell.Run("docker-compose", ["-f", compose, "--profile", "tls", "config"], environment);

        config.Code.ShouldBe(0, config.Output);
        var nginxAddress = Regex.Match(config.Output, @"ipv4_address: (\S+)").Groups[1].Value;
        nginxAddress.ShouldNotBeEmpty(config.Output);
        config.Output.ShouldContain($"Http__KnownProxies__0: {nginxAddress}");
        // A client's own X-Forwarded-For is replaced, never appended to, in every location that proxies.
        var nginx = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docker", "nginx.conf"));
        var proxying = Regex.Matches(nginx, @"location[^{]*\{[^}]*\}").Select(m => m.Value).Where(l => l.Contains("proxy_pass")).ToList();
        proxying.Count.ShouldBeGreaterThan(1);
        proxying.ShouldAllBe(location => location.Contains("proxy_set_header X-Forwarded-For $remote_addr;"));
        nginx.ShouldNotContain("$proxy_add_x_forwarded_for");
    }
}

/// <summary>Runs a program with arguments (never a shell line) and an exact environment on top of PATH.</summary>
public static class Shell
{
    public static (int Code, string Output) Run(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null, string? input = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in new[] { "JWT_KEY", "POSTGRES_PASSWORD" })
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in time: {stdout.Result}{stderr.Result}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
