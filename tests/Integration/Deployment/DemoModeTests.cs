using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ClaudeBatch.Integration.Tests.Deployment;

/// <summary>
/// A newcomer's first hour: <c>scripts/run-local.sh --demo</c>, as it is, starts PostgreSQL and the server with the
/// bundled demo agent and a registered demo repository; the commands it prints, pasted into bash, run a job to
/// <c>completed</c> with a diff and answer it with a follow-up turn. Everything on loopback, in a folder of its own;
/// at the end its process group is stopped and it must have stopped what it started.
/// </summary>
[Trait("Category", "Deployment")]
public sealed partial class DemoModeTests
{
    [Fact]
    public async Task Run_local_in_demo_mode_runs_a_job_to_completed_with_a_diff_and_a_follow_up_turn_from_the_commands_it_prints()
    {
        var folder = Path.Combine(Path.GetTempPath(), "claudebatch-tests", "demo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var url = $"http://127.0.0.1:{FreePort()}";
        var script = Start(folder, url);
        try
        {
            var printed = await script.WaitForAsync(line => line.Contains("a follow-up turn (--resume)"), TimeSpan.FromMinutes(4));

            // The commands exactly as printed, pasted into bash: log in, create, start, follow the stream, read, diff, answer.
            var commands = Commands().Match(printed);
            commands.Success.ShouldBeTrue(printed);
            var pasted = Shell.Run("bash", ["-euo", "pipefail", "-c", Regex.Replace(commands.Value, "^  ", "", RegexOptions.Multiline)],
                timeout: TimeSpan.FromMinutes(1));
            pasted.Code.ShouldBe(0, pasted.Output);
            pasted.Output.ShouldContain("event: status");
            pasted.Output.ShouldContain("\"type\":\"AgentSessionStarted\"");
            pasted.Output.ShouldContain("\"tool\":\"Write\"");
            pasted.Output.ShouldContain("\"type\":\"JobCompleted\"");
            pasted.Output.ShouldContain("+++ b/NOTES.md");
            pasted.Output.ShouldContain("+> Say what this repository is for");
            pasted.Output.ShouldContain("\"turn\":2");

            using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
            var password = Password().Match(printed).Groups[1].Value;
            var login = await client.PostAsJsonAsync("/auth/login", new { username = "demo", password });
            login.StatusCode.ShouldBe(HttpStatusCode.OK);
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await client.GetStringAsync("/health/ready")).ShouldContain("0.0.0 (demo agent)");

            var jobs = (await client.GetFromJsonAsync<JsonElement>("/jobs")).GetProperty("jobs").EnumerateArray().ToList();
            jobs.Count.ShouldBe(1);
            var job = await FinishedAsync(client, jobs[0].GetProperty("jobId").GetString()!, turn: 2);
            job.GetProperty("status").GetString().ShouldBe("completed", job.ToString());
            job.GetProperty("totalCostUsd").GetDecimal().ShouldBe(0m);
            job.GetProperty("turns").EnumerateArray().Select(t => t.GetProperty("sessionId").GetString()).Distinct().Count()
                .ShouldBe(1, "the second turn resumed the first one's session");
            // The README lists every field a client gets (what a newcomer reads first is what the server sends).
            job.EnumerateObject().Select(p => p.Name).ShouldBe(Documented(@"- `GET /jobs/\{id\}`: `\{([^}]*)\}`"), ignoreOrder: true);
            job.GetProperty("options").EnumerateObject().Select(p => p.Name).ShouldBe(Documented(@"`options` is `\{([^}]*)\}`"), ignoreOrder: true);
            job.GetProperty("changes").EnumerateObject().Select(p => p.Name).ShouldBe(Documented(@"`changes`\s+`\{([^}]*)\}`"), ignoreOrder: true);
            job.GetProperty("turns")[1].EnumerateObject().Select(p => p.Name).ShouldBe(Documented(@"`turns` lists every turn \(`\{([^}]*)\}`"), ignoreOrder: true);
            var listed = await client.GetFromJsonAsync<JsonElement>("/jobs");
            listed.EnumerateObject().Select(p => p.Name).ShouldBe(Documented(@"newest first \(`\{([^}]*)\}`"), ignoreOrder: true);
            listed.GetProperty("jobs")[0].EnumerateObject().Select(p => p.Name).ShouldBe(Documented(@"at most 500\)[^`]*each `\{([^}]*)\}`"), ignoreOrder: true);

            var diff = await client.GetStringAsync($"/jobs/{job.GetProperty("jobId").GetString()}/diff");
            diff.ShouldContain("+## Turn 1");
            diff.ShouldContain("+## Turn 2");
            diff.ShouldContain("+> Add one more note");
        }
        finally
        {
            var stopped = await script.StopAsync();
            stopped.ShouldNotContain("failed to start");
            stopped.ShouldContain("Stopping PostgreSQL");
            File.Exists(Path.Combine(folder, "postgres", "cluster", "postmaster.pid")).ShouldBeFalse(stopped);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("-p --output-format stream-json", "requires --verbose")]
    [InlineData("--output-format stream-json --verbose", "pass -p")]
    [InlineData("-p --output-format xml", "Allowed choices are text, json, stream-json")]
    [InlineData("-p --output-format stream-json --verbose --resume 0b7c4a52-1a1f-4bd4-9d8e-6e2f0e1d2c3b", "No conversation found with session ID: 0b7c4a52")]
    [InlineData("-p --resume ../../etc/passwd", "Invalid session ID")]
    [InlineData("-p --max-turns many", "--max-turns takes a positive number")]
    [InlineData("-p --frobnicate", "unknown option '--frobnicate'")]
    public void The_demo_agent_refuses_what_the_CLI_refuses_with_exit_code_1_and_a_message(string arguments, string message)
    {
        var workspace = Path.Combine(Path.GetTempPath(), "claudebatch-tests", "demo-agent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workspace);
        try
        {
            // Run in the workspace, as the server runs it (a run that went ahead would write there, not in the checkout),
            // with the prompt as an argument: a refusal may come before stdin is read.
            var (code, output) = Shell.Run("sh", ["-c", "cd \"$0\" && exec sh \"$@\" </dev/null", workspace,
                Path.Combine(RepositoryRoot.Path, "tools", "demo-agent", "claude-demo"), .. arguments.Split(' '), "Add a note"],
                new Dictionary<string, string> { ["HOME"] = workspace });

            code.ShouldBe(1, output);
            output.ShouldContain(message);
            Directory.EnumerateFileSystemEntries(workspace).ShouldBeEmpty("a refused run changes nothing");
        }
        finally
        {
            Directory.Delete(workspace, recursive: true);
        }
    }

    /// <summary>The names in the README's first <c>{a, b (a note), c}</c> that <paramref name="pattern"/> captures.</summary>
    private static List<string> Documented(string pattern)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var match = Regex.Match(readme, pattern);
        match.Success.ShouldBeTrue(pattern);
        return Regex.Replace(match.Groups[1].Value, @"\s*\([^)]*\)", "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [GeneratedRegex(@"^  BASE=.*?(?=^\s*$)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Commands();

    [GeneratedRegex(@"""password"":""([A-Za-z0-9]+)""")]
    private static partial Regex Password();

    private static async Task<JsonElement> FinishedAsync(HttpClient client, string jobId, int turn)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"/jobs/{jobId}");
            if (job.GetProperty("turn").GetInt32() == turn && job.GetProperty("status").GetString() is "completed" or "failed" or "timeout" or "cancelled")
            {
                return job;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, job.ToString());
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>run-local.sh in a process group of its own (setsid execs it: its pid is the group's id).</summary>
    private static RunLocal Start(string folder, string url)
    {
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in new[] { "bash", "scripts/run-local.sh", "--demo" })
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the script sets: nothing of the test host's own server settings.
        foreach (var key in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["CLAUDEBATCH_LOCAL_DIR"] = folder;
        start.Environment["CLAUDEBATCH_LOCAL_PG_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_URLS"] = url;
        start.Environment["Claude__Environment__DEMO_AGENT_PAUSE"] = "0";
        // The script's build must leave no build server behind.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        return new RunLocal(Process.Start(start)!);
    }

    private sealed class RunLocal
    {
        private readonly Process process;
        private readonly StringBuilder output = new();
        private readonly SemaphoreSlim changed = new(0);

        public RunLocal(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        /// <summary>The output so far, once a line matches; fails if the script ends or the time runs out first.</summary>
        public async Task<string> WaitForAsync(Func<string, bool> line, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var text = Output;
                if (text.Split('\n').Any(line))
                {
                    return text;
                }

                process.HasExited.ShouldBeFalse($"run-local.sh --demo ended ({(process.HasExited ? process.ExitCode : 0)}):\n{text}");
                DateTime.UtcNow.ShouldBeLessThan(deadline, text);
                await changed.WaitAsync(TimeSpan.FromMilliseconds(500));
            }
        }

        /// <summary>
        /// SIGTERM to the whole group (as a terminal's Ctrl-C signals its foreground group; SIGINT itself may be ignored by
        /// a process started in the background); then SIGKILL if it did not end within a minute.
        /// </summary>
        public async Task<string> StopAsync()
        {
            if (!process.HasExited)
            {
                Signal("-TERM");
                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    await process.WaitForExitAsync(patience.Token);
                }
                catch (OperationCanceledException)
                {
                    Signal("-KILL");
                    await process.WaitForExitAsync();
                    throw new TimeoutException("run-local.sh --demo did not stop within 60 s of SIGTERM:\n" + Output);
                }
            }

            process.WaitForExit(); // the output's last lines
            return Output;
        }

        private void Signal(string signal) => Shell.Run("kill", [signal, "--", "-" + process.Id]);

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            changed.Release();
        }
    }
}
