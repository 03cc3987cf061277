using System.Diagnostics;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// The Docker engine <c>scripts/test.sh</c> starts on a private socket (no bridge network, a local busybox image
/// <c>cbtest-busybox</c>); its address is in <c>CLAUDEBATCH_TEST_DOCKER</c>.
/// </summary>
public static class TestDocker
{
    public const string Image = "cbtest-busybox";

    public static string? Endpoint { get; } = Environment.GetEnvironmentVariable("CLAUDEBATCH_TEST_DOCKER") is { Length: > 0 } e ? e : null;

    public static string RequiredEndpoint => Endpoint
        ?? throw new InvalidOperationException("CLAUDEBATCH_TEST_DOCKER is not set: run the tests through scripts/test.sh, which starts a Docker engine.");

    /// <summary>Runs the docker CLI against the test engine; returns its output.</summary>
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOCKER_HOST"] = RequiredEndpoint;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"docker {string.Join(' ', arguments)}: {error}");
    }

    /// <summary>Names of all containers (running or not) and networks that start with <paramref name="prefix"/>.</summary>
    public static List<string> Named(string prefix) =>
        Run("ps", "-a", "--format", "{{.Names}}").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Concat(Run("network", "ls", "--format", "{{.Name}}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
}
