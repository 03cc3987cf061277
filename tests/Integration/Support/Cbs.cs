using System.Diagnostics;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>The real <c>cbs</c> executable built with the tests (<c>dotnet ClaudeBatch.Cli.dll</c>), run as a child process.</summary>
public sealed class Cbs(string home)
{
    public sealed record Run(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    /// <summary>The folder that is <c>$HOME</c> and holds <c>$XDG_CONFIG_HOME</c> for this client.</summary>
    public string Home { get; } = home;

    public string ConfigPath => Path.Combine(Home, ".config", "claude-batch", "config.json");

    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "ClaudeBatch.Cli.dll");

    public Task<Run> RunAsync(params string[] arguments) => RunAsync(arguments, stdin: null, environment: null);

    /// <param name="onLine">Called with each line of standard output as it comes (to act at a point of a live transcript).</param>
    public async Task<Run> RunAsync(
        IReadOnlyList<string> arguments, string? stdin, IReadOnlyDictionary<string, string>? environment, TimeSpan? timeout = null, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = Home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(Home, ".config");
        foreach (var name in new[] { "CBS_SERVER", "CBS_TOKEN", "NO_COLOR" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = ReadLinesAsync(process.StandardOutput, onLine);
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cbs {string.Join(' ', arguments)} did not end: {await output}\n{await error}");
        }

        return new Run(process.ExitCode, await output, await error);
    }

    private static async Task<string> ReadLinesAsync(StreamReader reader, Action<string>? onLine)
    {
        var text = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            text.Append(line).Append('\n');
            onLine?.Invoke(line);
        }

        return text.ToString();
    }
}
