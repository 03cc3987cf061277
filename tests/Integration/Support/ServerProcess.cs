using System.Diagnostics;
using System.Text;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>The real server as a child process (<c>dotnet ClaudeBatch.Api.dll</c>), configured only through environment variables.</summary>
public static class ServerProcess
{
    public sealed record Exit(int Code, string Output);

    /// <summary>Starts the server and waits for it to exit on its own (it should, when its configuration is invalid).</summary>
    public static async Task<Exit> RunUntilExitAsync(IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "ClaudeBatch.Api.dll") },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

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
