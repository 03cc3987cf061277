using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>
/// A cidxAware repository's master clone is indexed by the server's own account (root), and every job's workspace gets
/// that index. What the registrant commits is theirs to choose: each test is an attack that worked while cidx ran over
/// any master (the fake cidx reads every file by name, as cidx does, into its index).
/// </summary>
[Collection(SecondApiCollection.Name)]
public sealed class MasterIndexAttackTests(ApiFactory api)
{
    [Fact]
    public async Task A_committed_link_to_a_root_only_file_does_not_bring_it_into_the_index()
    {
        var secret = $"root-only-{Guid.NewGuid():N}";
        var folder = Path.Combine(api.RootPath, $"root-only-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var shadow = Path.Combine(folder, "shadow");
        File.WriteAllText(shadow, secret);
        File.SetUnixFileMode(shadow, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (client, name, view) = await RegisterIndexedAsync(source => File.CreateSymbolicLink(Path.Combine(source, "notes.py"), shadow));

        ShouldHoldNowhere(Path.Combine(api.RepositoriesPath, name), secret);
        ShouldNotHaveIndexedAsServer(Path.Combine(api.RepositoriesPath, name));
        view.GetProperty("cidxReady").GetBoolean().ShouldBeFalse(view.ToString());
        view.GetProperty("cidxError").GetString()!.ShouldContain("'notes.py'");
        (await client.GetAsync($"/repositories/{name}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_committed_state_folder_is_not_configuration_the_server_runs_cidx_with()
    {
        var (_, name, view) = await RegisterIndexedAsync(source =>
        {
            Directory.CreateDirectory(Path.Combine(source, ".code-indexer"));
            File.WriteAllText(Path.Combine(source, ".code-indexer", "config.json"), "{\"codebase_dir\": \"/\"}");
        });

        view.GetProperty("cidxReady").GetBoolean().ShouldBeFalse(view.ToString());
        view.GetProperty("cidxError").GetString()!.ShouldContain("'.code-indexer'");
        ShouldNotHaveIndexedAsServer(Path.Combine(api.RepositoriesPath, name));
    }

    [Fact]
    public async Task A_plain_tree_is_still_indexed_once_for_every_job()
    {
        var (_, name, view) = await RegisterIndexedAsync(_ => { });

        view.GetProperty("cidxReady").GetBoolean().ShouldBeTrue(view.ToString());
        var master = Path.Combine(api.RepositoriesPath, name);
        File.ReadAllText(Path.Combine(master, ".code-indexer", "chunks.jsonl")).ShouldContain("print('hi')");
    }

    /// <summary>A cidxAware repository whose one commit <paramref name="plant"/> shaped; its view once cloned and indexed.</summary>
    private async Task<(HttpClient Client, string Name, JsonElement View)> RegisterIndexedAsync(Action<string> plant)
    {
        var client = await api.LoginAsync(api.Accounts.Add());
        var name = $"idx-{Guid.NewGuid():N}"[..16];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# r\n", ["src/app.py"] = "print('hi')\n" });
        plant(source);
        GitRepos.Git(source, "add", "-A");
        GitRepos.Git(source, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "--allow-empty", "-m", "planted");

        var registered = await client.PostAsJsonAsync("/repositories/register", new { name, gitUrl = source, description = "", cidxAware = true });
        registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        var view = await client.WaitForCloneAsync(name);
        view.GetProperty("cloneStatus").GetString().ShouldBe("completed", view.ToString());
        return (client, name, view);
    }

    private static void ShouldHoldNowhere(string tree, string secret)
    {
        foreach (var file in Directory.EnumerateFiles(tree, "*", new EnumerationOptions
                 {
                     RecurseSubdirectories = true,
                     AttributesToSkip = FileAttributes.ReparsePoint,
                 }))
        {
            File.ReadAllText(file).ShouldNotContain(secret, customMessage: file);
        }
    }

    /// <summary>No cidx step ran in the master: the server's account never read it.</summary>
    private void ShouldNotHaveIndexedAsServer(string master)
    {
        var calls = Path.Combine(api.FakeStatePath, "cidx-calls.jsonl");
        if (File.Exists(calls))
        {
            File.ReadAllLines(calls).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("cwd").GetString())
                .ShouldNotContain(master);
        }
    }
}
