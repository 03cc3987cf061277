using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Cli;

/// <summary>The real <c>cbs</c> executable against a real server process: what a person at a terminal and a CI script see.</summary>
[Collection(CliCollection.Name)]
public sealed partial class CliTests(CliServer fixture)
{
    [Fact]
    public async Task Login_keeps_the_token_in_a_private_file_the_environment_overrides_it_and_logout_revokes_it()
    {
        var cbs = await fixture.SignedInAsync();

        File.GetUnixFileMode(cbs.ConfigPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(Path.GetDirectoryName(cbs.ConfigPath)!).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var token = JsonDocument.Parse(await File.ReadAllTextAsync(cbs.ConfigPath)).RootElement.GetProperty("token").GetString()!;
        var list = await cbs.RunAsync("jobs", "list", "--json");
        list.ExitCode.ShouldBe(0, list.ToString());
        JsonDocument.Parse(list.Output).RootElement.ValueKind.ShouldBe(JsonValueKind.Array);

        // CI: no saved login, the server and token from the environment.
        var ci = await fixture.NewClient().RunAsync(["repos", "list", "--json"], null, new Dictionary<string, string>
        {
            ["CBS_SERVER"] = fixture.Server.Url.ToString(), ["CBS_TOKEN"] = token,
        });
        ci.ExitCode.ShouldBe(0, ci.ToString());
        JsonDocument.Parse(ci.Output).RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString()).ShouldContain(fixture.Repository);

        var logout = await cbs.RunAsync("logout");
        logout.ExitCode.ShouldBe(0, logout.ToString());
        using var withOldToken = fixture.Server.CreateClient();
        withOldToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await withOldToken.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await File.ReadAllTextAsync(cbs.ConfigPath)).ShouldNotContain(token);
        var after = await cbs.RunAsync("jobs", "list");
        after.ExitCode.ShouldBe(3, after.ToString());
        after.Error.ShouldContain("cbs login");
    }

    [Fact]
    public async Task A_personal_access_token_made_with_cbs_signs_in_CI_cannot_make_tokens_and_stops_working_when_removed()
    {
        var cbs = await fixture.SignedInAsync();

        var add = await cbs.RunAsync("tokens", "add", "ci-nightly", "--days", "3", "--json");
        add.ExitCode.ShouldBe(0, add.ToString());
        var created = JsonDocument.Parse(add.Output).RootElement;
        var (id, token) = (created.GetProperty("id").GetString()!, created.GetProperty("token").GetString()!);
        token.ShouldStartWith("cbs_");

        var ci = fixture.NewClient();
        var login = await ci.RunAsync("login", "--server", fixture.Server.Url.ToString(), "--token", token);
        login.ExitCode.ShouldBe(0, login.ToString());
        login.Output.ShouldContain($"as {fixture.User.Username}");
        var mint = await ci.RunAsync("tokens", "add", "more", "--days", "1");
        mint.ExitCode.ShouldBe(1, mint.ToString());
        mint.Error.ShouldContain("HTTP 403");

        var list = await cbs.RunAsync("tokens", "list");
        list.Output.ShouldContain("ci-nightly");
        list.Output.ShouldNotContain(token);
        (await cbs.RunAsync("tokens", "rm", id)).ExitCode.ShouldBe(0);
        var refused = await ci.RunAsync("jobs", "list");
        refused.ExitCode.ShouldBe(3, refused.ToString());
    }

    [Fact]
    public async Task A_webhook_added_with_cbs_receives_the_job_s_completion_and_its_delivery_log_shows_it()
    {
        var cbs = await fixture.SignedInAsync();
        await using var receiver = await WebhookReceiver.StartAsync();

        var add = await cbs.RunAsync("hooks", "add", receiver.Url, "--event", "job.completed", "--json");
        add.ExitCode.ShouldBe(0, add.ToString());
        var hook = JsonDocument.Parse(add.Output).RootElement;
        hook.GetProperty("secret").GetString()!.ShouldStartWith("whsec_");
        var id = hook.GetProperty("id").GetString()!;
        (await cbs.RunAsync("hooks", "list")).Output.ShouldContain(receiver.Url);

        var run = await cbs.RunAsync("run", fixture.Repository, "scenario: instant", "--wait");
        run.ExitCode.ShouldBe(0, run.ToString());
        await WaitForAsync(() => receiver.Received.Any(d => d.Type == "job.completed"), "the webhook delivery");

        var log = await cbs.RunAsync("hooks", "deliveries", id, "--json");
        log.ExitCode.ShouldBe(0, log.ToString());
        JsonDocument.Parse(log.Output).RootElement.EnumerateArray().Select(d => d.GetProperty("eventType").GetString()).ShouldContain("job.completed");
        (await cbs.RunAsync("hooks", "rm", id)).ExitCode.ShouldBe(0);
        (await cbs.RunAsync("hooks", "list", "--json")).Output.ShouldNotContain(id);
    }

    [Fact]
    public async Task Login_at_a_terminal_asks_for_the_password_without_echoing_it_and_a_wrong_one_is_exit_3_with_the_server_s_words()
    {
        var cbs = fixture.NewClient();
        // A pseudo-terminal (script(1)), as a person would have: the password is typed, not piped.
        var start = new ProcessStartInfo("script")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-qec", $"dotnet {Support.Cbs.Dll} login --server {fixture.Server.Url} --user {fixture.User.Username}", "/dev/null" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = cbs.Home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(cbs.Home, ".config");
        using var process = Process.Start(start)!;
        var screen = new System.Text.StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[256];
            while (await process.StandardOutput.ReadAsync(buffer) is > 0 and var read)
            {
                lock (screen)
                {
                    screen.Append(buffer, 0, read);
                }
            }
        });
        await WaitForAsync(() => { lock (screen) { return screen.ToString().Contains("Password for"); } }, "the password prompt");
        await process.StandardInput.WriteAsync(fixture.User.Password + "\r");
        await process.StandardInput.FlushAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await reading;

        process.ExitCode.ShouldBe(0, screen.ToString());
        screen.ToString().ShouldNotContain(fixture.User.Password);
        screen.ToString().ShouldContain("Signed in");
        File.Exists(cbs.ConfigPath).ShouldBeTrue();

        var wrong = await fixture.NewClient().RunAsync(
            ["login", "--server", fixture.Server.Url.ToString(), "--user", fixture.User.Username, "--password-stdin"], "not-the-password\n", null);
        wrong.ExitCode.ShouldBe(3, wrong.ToString());
        wrong.Error.ShouldContain("HTTP 401");
        wrong.Error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Run_follow_shows_the_job_live_and_exits_0_then_diff_files_say_and_push_work_on_a_short_id()
    {
        var cbs = await fixture.SignedInAsync();

        var run = await cbs.RunAsync("run", fixture.Repository, "scenario: tool-write", "--follow");

        run.ExitCode.ShouldBe(0, run.ToString());
        run.Output.ShouldContain("● Write");
        run.Output.ShouldContain("Wrote written.txt.");
        run.Output.ShouldContain("— running");
        run.Output.ShouldContain("completed ·");
        run.Output.ShouldContain("$0.0123");
        var jobId = JobIdIn(run.Output);
        var shortId = jobId[..8];

        var diff = await cbs.RunAsync("diff", shortId);
        diff.ExitCode.ShouldBe(0, diff.ToString());
        diff.Output.ShouldContain("+written by the agent");
        var stat = await cbs.RunAsync("diff", shortId, "--stat", "--json");
        // Only the agent's file: not cidx's index state (.code-indexer/, made by the indexing before the agent).
        JsonDocument.Parse(stat.Output).RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).ShouldBe(["written.txt"]);

        var cat = await cbs.RunAsync("files", "cat", shortId, "written.txt");
        cat.Output.ShouldBe("written by the agent\n");
        var saved = Path.Combine(cbs.Home, "copy.txt");
        (await cbs.RunAsync("files", "get", shortId, "written.txt", "-o", saved)).ExitCode.ShouldBe(0);
        (await File.ReadAllTextAsync(saved)).ShouldBe("written by the agent\n");
        var listing = await cbs.RunAsync("files", "ls", shortId, "--json");
        JsonDocument.Parse(listing.Output).RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()).ShouldContain("written.txt");

        // A follow-up turn resumes the session: the fake's "recall" answers with the earlier prompts it remembers.
        var say = await cbs.RunAsync("say", shortId, "scenario: recall", "--wait");
        say.ExitCode.ShouldBe(0, say.ToString());
        say.Output.ShouldContain("(turn 2)");
        say.Output.ShouldContain("scenario: tool-write");

        var push = await cbs.RunAsync("push", shortId, "--branch", "cbs/test-push");
        push.ExitCode.ShouldBe(0, push.ToString());
        push.Output.ShouldContain("Pushed cbs/test-push");
        GitRepos.Git(fixture.Origin, "show", "cbs/test-push:written.txt").ShouldBe("written by the agent");
    }

    [Fact]
    public async Task A_job_that_fails_exits_1_and_json_is_the_job_view()
    {
        var cbs = await fixture.SignedInAsync();

        var run = await cbs.RunAsync("run", fixture.Repository, "scenario: is-error", "--wait", "--json");

        run.ExitCode.ShouldBe(1, run.ToString());
        var job = JsonDocument.Parse(run.Output).RootElement;
        job.GetProperty("status").GetString().ShouldBe("failed");
        job.GetProperty("repository").GetString().ShouldBe(fixture.Repository);
    }

    [Fact]
    public async Task A_dropped_stream_is_resumed_from_the_last_event_and_nothing_is_shown_twice()
    {
        var cbs = await fixture.SignedInAsync();
        await using var proxy = new DroppingProxy(fixture.Server.Url);
        var dropped = 0;

        var run = await cbs.RunAsync(
            ["run", fixture.Repository, "scenario: chatter", "--follow", "--server", proxy.Url.ToString()], null,
            new Dictionary<string, string> { ["CBS_TOKEN"] = Token(cbs) }, onLine: line =>
            {
                if (line == "tick 2" && Interlocked.Exchange(ref dropped, 1) == 0)
                {
                    proxy.DropAll();
                }
            });

        run.ExitCode.ShouldBe(0, run.ToString());
        proxy.Dropped.ShouldBeGreaterThan(0);
        run.Error.ShouldContain("reconnecting after event");
        var lines = run.Output.Split('\n');
        for (var i = 1; i <= int.Parse(CliServer.ChatterCount); i++)
        {
            lines.Count(l => l == $"tick {i}").ShouldBe(1, run.ToString());
        }
    }

    [Fact]
    public async Task A_job_is_named_by_a_unique_start_of_its_id_and_an_ambiguous_one_is_a_clear_error()
    {
        var cbs = await fixture.SignedInAsync();
        // Jobs until two share a first character (at most 17, by pigeonhole); created, not started.
        var ids = new List<string>();
        string? shared = null;
        while (shared is null)
        {
            ids.Add(await fixture.Client.CreateJobAsync(fixture.Repository, "scenario: instant"));
            shared = ids.GroupBy(id => id[0]).FirstOrDefault(g => g.Count() > 1)?.Key.ToString();
        }

        var ambiguous = await cbs.RunAsync("jobs", "show", shared);
        ambiguous.ExitCode.ShouldBe(1, ambiguous.ToString());
        ambiguous.Error.ShouldContain($"'{shared}' is ambiguous");

        var one = await cbs.RunAsync("jobs", "show", ids[^1][..8], "--json");
        one.ExitCode.ShouldBe(0, one.ToString());
        JsonDocument.Parse(one.Output).RootElement.GetProperty("jobId").GetString().ShouldBe(ids[^1]);

        var notHex = await cbs.RunAsync("jobs", "show", "zz");
        notHex.ExitCode.ShouldBe(2, notHex.ToString());
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_exit_3_with_a_clear_message_and_a_wrong_command_line_exit_2()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var down = await fixture.NewClient().RunAsync(["jobs", "list", "--server", $"http://127.0.0.1:{port}"], null, new Dictionary<string, string> { ["CBS_TOKEN"] = "x" });
        down.ExitCode.ShouldBe(3, down.ToString());
        down.Error.ShouldContain($"Cannot reach the server at http://127.0.0.1:{port}/");
        down.Error.ShouldNotContain("   at ");

        var usage = await fixture.NewClient().RunAsync("run", "only-a-repository");
        usage.ExitCode.ShouldBe(2, usage.ToString());
        usage.Error.ShouldContain("prompt");
    }

    private static string Token(Cbs cbs) =>
        JsonDocument.Parse(File.ReadAllText(cbs.ConfigPath)).RootElement.GetProperty("token").GetString()!;

    private static string JobIdIn(string output) => JobLine().Match(output) is { Success: true } match ? match.Groups[1].Value : throw new ShouldAssertException(output);

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No {what} within 30 s.");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"job ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")]
    private static partial Regex JobLine();
}
