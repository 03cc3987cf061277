using System.Text.Json;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>The fake Claude Code CLI shipped with the tests (Fakes/fake-claude): a real program printing real stream-json.</summary>
public static class FakeClaude
{
    public static string Path { get; } = Prepare("fake-claude");

    /// <summary>The fake cidx (Fakes/fake-cidx), honouring the code-indexer command contract.</summary>
    public static string CidxPath { get; } = Prepare("fake-cidx");

    /// <summary>What the fake recorded about its last run in the job's folder: argv, prompt, pid, grandchild pid.</summary>
    public static JsonElement Invocation(string jobFolder) =>
        JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(jobFolder, "fake-claude.json"))).RootElement;

    /// <summary>Waits until the fake has started and recorded itself (and its grandchild, when it makes one).</summary>
    public static async Task<JsonElement> WaitForInvocationAsync(string jobFolder, bool withGrandchild = false)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                var invocation = Invocation(jobFolder);
                if (!withGrandchild || invocation.TryGetProperty("grandchild", out _))
                {
                    return invocation;
                }
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw;
                }
            }

            await Task.Delay(50);
        }
    }

    /// <summary>True when no live process has this pid (a zombie waiting to be reaped counts as dead).</summary>
    public static bool IsDead(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string Prepare(string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "Fakes", name);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }
}
