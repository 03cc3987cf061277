using System.Text.Json;

namespace ClaudeBatch.Cli.Settings;

/// <summary>What <c>cbs login</c> keeps: the server, the user and the token.</summary>
public sealed record SavedLogin(string? Server, string? User, string? Token);

/// <summary>
/// <c>$XDG_CONFIG_HOME/claude-batch/config.json</c> (else <c>~/.config/…</c>): folder 0700, file 0600, replaced whole
/// (written to a new 0600 file, then renamed over the old one), so the token is never readable by others, not even
/// for a moment. <c>CBS_SERVER</c> and <c>CBS_TOKEN</c> override it (CI).
/// </summary>
public sealed class CliConfig(string path)
{
    public const string DefaultServer = "http://localhost:5000";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Path { get; } = path;

    public static CliConfig For(CliConsole console)
    {
        var root = console.Env("XDG_CONFIG_HOME")
            ?? System.IO.Path.Combine(console.Env("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new CliConfig(System.IO.Path.Combine(root, "claude-batch", "config.json"));
    }

    public SavedLogin Load()
    {
        try
        {
            return JsonSerializer.Deserialize<SavedLogin>(File.ReadAllText(Path), Json) ?? new SavedLogin(null, null, null);
        }
        catch (FileNotFoundException)
        {
            return new SavedLogin(null, null, null);
        }
        catch (DirectoryNotFoundException)
        {
            return new SavedLogin(null, null, null);
        }
        catch (JsonException e)
        {
            throw new CliFailure(ExitCodes.Failed, $"{Path} is not valid JSON ({e.Message}); remove it and run cbs login again.");
        }
    }

    public void Save(SavedLogin login)
    {
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        if (OperatingSystem.IsWindows())
        {
            // The profile folder is the user's own there.
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = System.IO.Path.Combine(folder, $".config.json.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var file = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(file, login, Json);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
