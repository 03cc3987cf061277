using System.Net.Http.Json;
using System.Diagnostics;
using System.Text;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>The real server as a child process (<c>dotnet ClaudeBatch.Api.dll</c>), configured only through environment variables.</summary>
public static class ServerProcess
{
    public sealed record Exit(int Code, string Output);

    /// <summary>Starts the server and waits until it answers <c>/health/live</c>.</summary>
    /// <summary>
    /// Starts the server built with the tests, or the one installed in <paramref name="applicationFolder"/>, with the
    /// given settings as environment variables, and waits until it answers.
    /// </summary>
    /// <param name="launcher">A command line the server is started through (it must exec its arguments), e.g. <c>unshare</c>.</param>
    /// <param name="waitForStart">Whether to wait, after <c>/health/live</c>, until every service behind it has started.</param>
    /// <param name="singleNode">Whether it runs with <c>Jobs:SingleNode</c> (alone on its database).</param>
    public static async Task<RunningServer> StartAsync(
        IReadOnlyDictionary<string, string?> settings, string? applicationFolder = null, IReadOnlyList<string>? launcher = null,
        bool waitForStart = true, bool singleNode = false)
    {
        var port = FreePort();
        var node = NodeNames.Take(settings);
        var start = StartInfo(settings, $"http://127.0.0.1:{port}", applicationFolder ?? AppContext.BaseDirectory);
        start.Environment["Jobs__NodeName"] = node;
        // A real server runs as one of several nodes (the default), whatever the in-process settings it was given say,
        // unless the test says it is alone on its database.
        start.Environment["Jobs__SingleNode"] = singleNode ? "true" : "false";
        if (!settings.Keys.Any(k => k.Replace("__", ":", StringComparison.Ordinal).Equals("Jobs:NodeUrl", StringComparison.OrdinalIgnoreCase)))
        {
            // Where the other nodes reach it: its own address (forwarded requests).
            start.Environment["Jobs__NodeUrl"] = $"http://127.0.0.1:{port}";
        }
        if (launcher is { Count: > 0 })
        {
            var command = new List<string>(launcher.Skip(1)) { start.FileName };
            command.AddRange(start.ArgumentList);
            start.FileName = launcher[0];
            start.ArgumentList.Clear();
            foreach (var argument in command)
            {
                start.ArgumentList.Add(argument);
            }
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch
        {
            NodeNames.Release(node);
            throw;
        }

        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RunningServer(process, new Uri($"http://127.0.0.1:{port}"), output, node);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        using var probe = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            try
            {
                if ((await probe.GetAsync("/health/live")).IsSuccessStatusCode && (!waitForStart || await HasStartedAsync(probe)))
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"The server did not start: {server.Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Whether every service has started behind Kestrel (readiness's <c>start</c> check; the other checks may fail
    /// on purpose in a test).
    /// </summary>
    public static async Task<bool> HasStartedAsync(HttpClient client)
    {
        // 503 when a check fails: the report is read all the same.
        using var response = await client.GetAsync("/health/ready");
        var report = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return report.TryGetProperty("checks", out var checks) && checks.TryGetProperty("start", out var start)
            && start.GetProperty("status").GetString() == "Healthy";
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> settings, string urls, string applicationFolder)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(applicationFolder, "ClaudeBatch.Api.dll") },
            WorkingDirectory = applicationFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = urls;
        // Also wins over an endpoint in a configuration file (an installed server's appsettings.json).
        start.Environment["Kestrel__Endpoints__Http__Url"] = urls;
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return start;
    }

    /// <summary>Starts the server and waits for it to exit on its own (it should, when its configuration is invalid).</summary>
    public static async Task<Exit> RunUntilExitAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = StartInfo(environment, "http://127.0.0.1:0", AppContext.BaseDirectory);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The server did not exit within {timeout}: {await stdout}{await stderr}");
        }

        output.Append(await stdout).Append(await stderr);
        return new Exit(process.ExitCode, output.ToString());
    }
}

/// <summary>A server running as a child process; <see cref="KillHard"/> is <c>kill -9</c>.</summary>
public sealed class RunningServer(Process process, Uri url, StringBuilder output, string node) : IAsyncDisposable
{
    public Uri Url { get; } = url;

    /// <summary>The server's <c>Jobs:NodeName</c>.</summary>
    public string Node => node;

    public int ProcessId => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client logged in as <paramref name="user"/>.</summary>
    public async Task<HttpClient> LoginAsync(TestUser user)
    {
        var client = CreateClient();
        var login = await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = user.Password });
        login.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK, Output);
        var token = (await login.Content.ReadFromJsonAsync<ApiFactory.LoginBody>())!.Token;
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The server's resident memory now (VmRSS).</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    /// <summary>The inotify watches the server holds (one per watched folder), read from its descriptors' fdinfo.</summary>
    public int InotifyWatches() =>
        new DirectoryInfo($"/proc/{process.Id}/fd").GetFileSystemInfos()
            .Where(fd => fd.LinkTarget == "anon_inode:inotify")
            .Sum(fd => File.ReadLines($"/proc/{process.Id}/fdinfo/{fd.Name}").Count(l => l.StartsWith("inotify ", StringComparison.Ordinal)));

    /// <summary>CPU time the server has used so far (user + system).</summary>
    public TimeSpan CpuTime()
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    public async Task KillHardAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
        NodeNames.Release(node);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillHardAsync();
        }

        process.Dispose();
        NodeNames.Release(node);
    }
}

/// <summary>
/// The node names of the servers this test run has started and not yet stopped. One process at a time may run as a
/// node on a database, so a second server started from the same settings while the first runs gets a name of its own
/// (as a second machine would have); a server started again after the first stopped gets the first's name back (a
/// restart: it recovers its own jobs).
/// </summary>
internal static class NodeNames
{
    private static readonly Dictionary<string, int> InUse = new(StringComparer.Ordinal);

    public static string Take(IReadOnlyDictionary<string, string?> settings)
    {
        var asked = settings.FirstOrDefault(s => s.Key.Replace("__", ":", StringComparison.Ordinal).Equals("Jobs:NodeName", StringComparison.OrdinalIgnoreCase)).Value
            ?? Environment.MachineName;
        lock (InUse)
        {
            var name = asked;
            for (var n = 2; InUse.ContainsKey(name); n++)
            {
                name = $"{asked}-{n}";
            }

            InUse[name] = 1;
            return name;
        }
    }

    public static void Release(string name)
    {
        lock (InUse)
        {
            InUse.Remove(name);
        }
    }
}
