using System.Diagnostics;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>Real git repositories made with the git CLI in a temp folder: the sources the server clones from.</summary>
public sealed class GitRepos
{
    public GitRepos(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
    }

    public string Root { get; }

    /// <summary>A repository with a commit on <c>main</c> holding <paramref name="files"/> (path → content); returns its path and HEAD.</summary>
    public (string Path, string Head) Create(string name, IReadOnlyDictionary<string, string>? files = null, bool bare = false)
    {
        var work = Path.Combine(Root, bare ? name + ".work" : name);
        Directory.CreateDirectory(work);
        Git(work, "init", "-q", "-b", "main");
        foreach (var (path, content) in files ?? new Dictionary<string, string> { ["README.md"] = $"# {name}\n" })
        {
            var full = Path.Combine(work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        Git(work, "add", "-A");
        Git(work, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", $"Initial commit of {name}");
        var head = Git(work, "rev-parse", "HEAD");
        if (!bare)
        {
            return (work, head);
        }

        var barePath = Path.Combine(Root, name + ".git");
        Git(Root, "clone", "-q", "--bare", work, barePath);
        return (barePath, head);
    }

    /// <summary>git's standard output as bytes (a pack, say), with nothing on its standard input.</summary>
    public static byte[] GitBytes(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardInput = true };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        return process.ExitCode == 0 ? output.ToArray() : throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed");
    }

    public static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
        }

        return output.Trim();
    }
}
