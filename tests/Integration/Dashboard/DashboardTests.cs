using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ClaudeBatch.Integration.Tests.Dashboard;

/// <summary>The web dashboard in headless Chromium, against a real server process running the fake agent.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardTests(DashboardServer fixture)
{
    private static ILocator Status(IPage page) => page.Locator("#job-status");

    [Fact]
    public async Task The_dashboard_is_served_at_the_root_with_a_strict_policy_and_leaves_the_api_alone()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.Url };
        using var index = await anonymous.GetAsync("/");
        index.StatusCode.ShouldBe(HttpStatusCode.OK);
        index.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var policy = index.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("default-src 'self'");
        policy.ShouldContain("script-src 'self'");
        policy.ShouldContain("connect-src 'self'");
        policy.ShouldContain("frame-ancestors 'none'");
        policy.ShouldNotContain("unsafe-inline");
        // The same page under the other URLs the static files answer at (compressed, by name) has the same policy.
        foreach (var other in new[] { "/index.html", "/index.html.gz" })
        {
            using var variant = await anonymous.GetAsync(other);
            if (variant.StatusCode == HttpStatusCode.OK)
            {
                variant.Headers.GetValues("Content-Security-Policy").Single().ShouldBe(policy, other);
                variant.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY", other);
            }
        }

        var html = await index.Content.ReadAsStringAsync();
        html.ShouldNotContain("<script>");
        html.ShouldNotContain("style=");

        index.Headers.CacheControl!.NoCache.ShouldBeTrue();
        // The entry script and the stylesheet under their fingerprinted names, cached for good.
        var entry = Regex.Match(html, "src=\"(app\\.[a-z0-9]+\\.js)\"").Groups[1].Value;
        entry.ShouldNotBeEmpty(html);
        Regex.IsMatch(html, "href=\"app\\.[a-z0-9]+\\.css\"").ShouldBeTrue(html);
        using var script = await anonymous.GetAsync("/" + entry);
        script.StatusCode.ShouldBe(HttpStatusCode.OK);
        script.Headers.CacheControl!.ToString().ShouldContain("immutable");
        using var module = await anonymous.GetAsync("/api.js");
        module.StatusCode.ShouldBe(HttpStatusCode.OK);
        module.Headers.ETag.ShouldNotBeNull();

        // The API keeps its answers: an unknown path is a ProblemDetails 404 (401 without a token), and the API
        // still needs a token.
        using var unknown = await fixture.Client.GetAsync("/no-such-route");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await anonymous.GetAsync("/no-such-route")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // The dashboard's files are not API routes: the OpenAPI document does not list them.
        var paths = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        paths.EnumerateObject().Select(p => p.Name).ShouldNotContain(name => name == "/" || name.EndsWith(".js") || name.EndsWith(".html"));
        using var jobs = await anonymous.GetAsync("/jobs");
        jobs.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_wrong_password_shows_the_servers_error_and_the_right_one_signs_in_without_a_token_in_the_url()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.Url };
        using var refused = await anonymous.PostAsJsonAsync("/auth/login", new { username = fixture.User.Username, password = "wrong" });
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        var message = problem.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } d ? d : problem.GetProperty("title").GetString()!;

        await fixture.InBrowserAsync(nameof(A_wrong_password_shows_the_servers_error_and_the_right_one_signs_in_without_a_token_in_the_url), async page =>
        {
            await page.GotoAsync("/");
            await page.GetByLabel("User name").FillAsync(fixture.User.Username);
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync("not the password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(message);

            await fixture.SignInAsync(page);
            page.Url.ShouldNotContain("ey");
            (await page.EvaluateAsync<string>("() => sessionStorage.getItem('cbs.token')")).ShouldStartWith("ey");
            await Expect(page.Locator("#who")).ToHaveTextAsync(fixture.User.Username);
        });
    }

    [Fact]
    public async Task A_personal_access_token_signs_in_and_signing_out_revokes_the_session_token()
    {
        using var created = await fixture.Client.PostAsJsonAsync("/auth/tokens", new { name = "web-" + Guid.NewGuid().ToString("N")[..6], expiresInDays = 1 });
        var pat = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        await fixture.InBrowserAsync(nameof(A_personal_access_token_signs_in_and_signing_out_revokes_the_session_token), async page =>
        {
            await page.GotoAsync("/");
            await page.GetByLabel("Token").FillAsync(pat);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with token" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Exact = true })).ToBeVisibleAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        });

        await fixture.InBrowserAsync("sign-out-with-password", async page =>
        {
            await fixture.SignInAsync(page);
            var token = await page.EvaluateAsync<string>("() => sessionStorage.getItem('cbs.token')");
            using var before = new HttpClient { BaseAddress = fixture.Server.Url };
            before.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await before.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            (await page.EvaluateAsync<string?>("() => sessionStorage.getItem('cbs.token')")).ShouldBeNull();
            (await before.GetAsync("/auth/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        });
    }

    [Fact]
    public async Task A_repository_registered_in_the_page_shows_its_clone_complete_and_can_be_removed()
    {
        var name = "reg-" + Guid.NewGuid().ToString("N")[..6];
        var (origin, _) = fixture.Settings.Sources.Create(name, new Dictionary<string, string> { ["a.txt"] = "a\n" });
        await fixture.InBrowserAsync(nameof(A_repository_registered_in_the_page_shows_its_clone_complete_and_can_be_removed), async page =>
        {
            await fixture.SignInAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Repositories" }).ClickAsync();
            await page.GetByLabel("Name").FillAsync(name);
            await page.GetByLabel("Git URL").FillAsync(origin);
            await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
            var row = page.Locator($"tr[data-repository='{name}']");
            await Expect(row).ToContainTextAsync("completed");

            page.Dialog += (_, dialog) => dialog.AcceptAsync();

            // In use by a running job: the server's 409, explained.
            var jobId = await fixture.Client.CreateJobAsync(name, "scenario: sleep\nhold it", gitAware: false);
            await fixture.Client.StartJobAsync(jobId);
            await row.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Queued or running jobs use this repository");
            await Expect(row).ToHaveCountAsync(1);

            (await fixture.Client.PostAsync($"/jobs/{jobId}/cancel", null)).EnsureSuccessStatusCode();
            await fixture.Client.WaitForJobAsync(jobId);
            await row.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task A_job_with_an_upload_and_a_placeholder_runs_shows_its_diff_downloads_a_file_takes_a_follow_up_and_pushes()
    {
        await fixture.InBrowserAsync(nameof(A_job_with_an_upload_and_a_placeholder_runs_shows_its_diff_downloads_a_file_takes_a_follow_up_and_pushes), async page =>
        {
            await fixture.SignInAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "New job" }).First.ClickAsync();
            await page.GetByLabel("Repository", new() { Exact = true }).SelectOptionAsync(fixture.Repository);
            await page.GetByLabel("Prompt").FillAsync("scenario: tool-write\nRead {{notes.txt}} please.");
            await Expect(page.Locator(".placeholders")).ToContainTextAsync("{{notes.txt}} ✗");
            await page.GetByLabel("Files", new() { Exact = true }).SetInputFilesAsync(new[]
            {
                new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("my notes\n") },
                new FilePayload { Name = "chart.png", MimeType = "image/png", Buffer = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] },
            });
            await Expect(page.Locator(".placeholders")).ToContainTextAsync("{{notes.txt}} ✓");
            await Expect(page.GetByLabel("chart.png is an image")).ToBeCheckedAsync();
            await Expect(page.GetByLabel("notes.txt is an image")).Not.ToBeCheckedAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Create and start" }).ClickAsync();

            await Expect(Status(page)).ToContainTextAsync("completed", new() { Timeout = 30_000 });
            var jobId = Regex.Match(page.Url, "#/jobs/([0-9a-f-]+)").Groups[1].Value;
            var resolved = (await fixture.Client.GetJobAsync(jobId)).GetProperty("resolvedPrompt").GetString()!;
            resolved.ShouldContain("Read files/notes.txt please.");
            resolved.TrimEnd().ShouldEndWith("files/chart.png", Case.Sensitive, resolved); // an image: the prompt ends with it
            await Expect(page.Locator(".transcript")).ToContainTextAsync("Wrote written.txt.");
            await Expect(page.Locator(".transcript li.tool").First).ToContainTextAsync("Write");
            await Expect(page.Locator("#job-cost")).ToContainTextAsync("$0.0123");

            // The diff, coloured per line, and its stat.
            await Expect(page.Locator(".diff .line.add").Filter(new() { HasText = "+written by the agent" })).ToHaveCountAsync(1);
            await Expect(page.Locator(".stat")).ToContainTextAsync("written.txt");

            // A file downloaded through fetch with the bearer header.
            var download = await page.RunAndWaitForDownloadAsync(() =>
                page.GetByRole(AriaRole.Button, new() { Name = "Download written.txt" }).ClickAsync());
            download.SuggestedFilename.ShouldBe("written.txt");
            (await File.ReadAllTextAsync((await download.PathAsync())!)).ShouldBe("written by the agent\n");

            // "History at": the first event shows the job as created, the last as completed (from the keyboard).
            await page.GetByRole(AriaRole.Button, new() { Name = "Show history" }).ClickAsync();
            await Expect(page.Locator(".history-state")).ToContainTextAsync("completed");
            await page.GetByLabel("History at").FocusAsync();
            await page.Keyboard.PressAsync("Home");
            await Expect(page.Locator(".history-state")).ToContainTextAsync("created");
            await Expect(page.Locator(".history-section output")).ToContainTextAsync("JobCreated");
            await page.Keyboard.PressAsync("End");
            await Expect(page.Locator(".history-state")).ToContainTextAsync("completed");

            // A follow-up turn.
            await page.GetByLabel("Follow-up").FillAsync("And now the rest.");
            await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
            await Expect(page.Locator(".transcript")).ToContainTextAsync("Looking at the repository.", new() { Timeout = 30_000 });
            await Expect(Status(page)).ToContainTextAsync("completed");
            (await fixture.Client.GetJobAsync(jobId)).GetProperty("turn").GetInt32().ShouldBe(2);

            // Delivered as a branch of origin.
            await page.GetByLabel("Branch").FillAsync("web/from-the-dashboard");
            await page.GetByRole(AriaRole.Button, new() { Name = "Push" }).ClickAsync();
            await Expect(page.Locator(".actions")).ToContainTextAsync("Pushed web/from-the-dashboard");
        });
    }

    [Fact]
    public async Task The_transcript_updates_live_while_the_agent_runs()
    {
        await fixture.InBrowserAsync(nameof(The_transcript_updates_live_while_the_agent_runs), async page =>
        {
            await fixture.SignInAsync(page);
            var jobId = await fixture.Client.CreateJobAsync(fixture.Repository, "scenario: narrate\nlook around", gitAware: false);
            await fixture.Client.StartJobAsync(jobId);
            await page.GotoAsync($"/#/jobs/{jobId}");

            // The agent pauses (FAKE_NARRATE_PAUSE) after its first message and tool call: both are shown meanwhile.
            await Expect(page.Locator(".transcript")).ToContainTextAsync("Let me look around.");
            await Expect(page.Locator(".transcript li.tool")).ToContainTextAsync("ls -la");
            (await fixture.Client.GetJobAsync(jobId)).Status().ShouldBe("running");
            await Expect(page.Locator(".transcript")).Not.ToContainTextAsync("Two entries.");

            await Expect(page.Locator(".transcript")).ToContainTextAsync("Two entries.", new() { Timeout = 15_000 });
            await Expect(Status(page)).ToContainTextAsync("completed");
            await Expect(page.Locator(".actions")).Not.ToContainTextAsync("null");
            await Expect(page.Locator(".diff-section")).ToContainTextAsync("No changes.");
            await page.Locator(".transcript li.tool summary").ClickAsync();
            await Expect(page.Locator(".transcript li.tool .tool-result")).ToContainTextAsync("README.md");
        });
    }

    [Fact]
    public async Task The_jobs_list_shows_a_new_job_live_and_a_sleeping_job_can_be_cancelled_then_deleted()
    {
        await fixture.InBrowserAsync(nameof(The_jobs_list_shows_a_new_job_live_and_a_sleeping_job_can_be_cancelled_then_deleted), async page =>
        {
            await fixture.SignInAsync(page);
            var jobId = await fixture.Client.CreateJobAsync(fixture.Repository, "scenario: sleep\nwait a while", gitAware: false);
            await fixture.Client.StartJobAsync(jobId);
            var row = page.Locator($"tr[data-job='{jobId}']");
            await Expect(row).ToContainTextAsync("running", new() { Timeout = 20_000 });
            await Expect(page.Locator("tbody tr").First).ToHaveAttributeAsync("data-job", jobId); // newest first

            // The list keeps polling; a keyboard user's focus is not taken away by it.
            await row.GetByRole(AriaRole.Link).FocusAsync();
            await page.WaitForTimeoutAsync(2500);
            (await page.EvaluateAsync<string?>("() => document.activeElement?.closest('tr')?.dataset.job")).ShouldBe(jobId);
            await page.Keyboard.PressAsync("Enter");
            page.Dialog += (_, dialog) => dialog.AcceptAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" }).ClickAsync();
            await Expect(Status(page)).ToContainTextAsync("cancelled");
            (await fixture.Client.GetJobAsync(jobId)).Status().ShouldBe("cancelled");

            await page.GetByRole(AriaRole.Button, new() { Name = "Delete job" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Exact = true })).ToBeVisibleAsync();
            await Expect(page.Locator($"tr[data-job='{jobId}']")).ToHaveCountAsync(0);
            (await fixture.Client.GetAsync($"/jobs/{jobId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        });
    }

    [Fact]
    public async Task The_markdown_renderer_escapes_html_and_keeps_only_http_links()
    {
        await fixture.InBrowserAsync(nameof(The_markdown_renderer_escapes_html_and_keeps_only_http_links), async page =>
        {
            await page.GotoAsync("/");
            var html = await page.EvaluateAsync<string>(
                "async source => (await import('/markdown.js')).renderMarkdown(source)",
                "<img src=x onerror=alert(1)> **bold** *it* `<b>code</b>`\n\n- one\n- [two](https://example.com/x)\n\n[bad](javascript:alert(1)) [q](https://e.com/\"onmouseover=\"x)\n\n```\n<script>alert(1)</script>\n```");
            html.ShouldNotContain("<img");
            html.ShouldNotContain("<script");
            html.ShouldNotContain("href=\"javascript");
            html.ShouldNotContain("\"onmouseover");
            html.ShouldContain("&lt;img src=x onerror=alert(1)&gt;");
            html.ShouldContain("<strong>bold</strong>");
            html.ShouldContain("<em>it</em>");
            html.ShouldContain("<code>&lt;b&gt;code&lt;/b&gt;</code>");
            html.ShouldContain("<ul><li>one</li><li><a href=\"https://example.com/x\" rel=\"noopener noreferrer\" target=\"_blank\">two</a></li></ul>");
            html.ShouldContain("<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></pre>");
        });
    }

    [Fact]
    public async Task The_pages_work_from_the_keyboard_and_fit_a_phone_width_screen()
    {
        await fixture.InBrowserAsync(nameof(The_pages_work_from_the_keyboard_and_fit_a_phone_width_screen), async page =>
        {
            await page.SetViewportSizeAsync(375, 740);
            await page.GotoAsync("/");
            // Tab from the top: the user name field, the password, then Enter submits the form.
            await page.GetByLabel("User name").FocusAsync();
            await page.Keyboard.TypeAsync(fixture.User.Username);
            await page.Keyboard.PressAsync("Tab");
            await page.Keyboard.TypeAsync(fixture.User.Password);
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Exact = true })).ToBeVisibleAsync();

            foreach (var route in new[] { "#/jobs", "#/new", "#/repositories" })
            {
                await page.GotoAsync($"/{route}");
                await Expect(page.Locator("main h1")).ToBeVisibleAsync();
                (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375, route);
            }
        });
    }

    [Fact]
    public async Task A_dropped_stream_is_resumed_with_Last_Event_ID_and_shows_every_message_once()
    {
        await using var proxy = new DroppingProxy(fixture.Server.Url);
        var token = fixture.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        await fixture.InBrowserAsync(nameof(A_dropped_stream_is_resumed_with_Last_Event_ID_and_shows_every_message_once), async page =>
        {
            var jobId = await fixture.Client.CreateJobAsync(fixture.Repository, "scenario: narrate\nlook around", gitAware: false);
            await fixture.Client.StartJobAsync(jobId);
            await page.GotoAsync(proxy.Url.ToString());
            await page.EvaluateAsync("token => sessionStorage.setItem('cbs.token', token)", token);
            await page.GotoAsync($"{proxy.Url}#/jobs/{jobId}");
            await Expect(page.Locator(".transcript")).ToContainTextAsync("Let me look around.");

            // The agent is in its pause: cut every connection, the stream's included.
            proxy.DropAll().ShouldBeGreaterThan(0);

            await Expect(page.Locator(".transcript")).ToContainTextAsync("Two entries.", new() { Timeout = 15_000 });
            await Expect(Status(page)).ToContainTextAsync("completed");
            await Expect(page.Locator(".transcript li.said")).ToHaveCountAsync(2);
            await Expect(page.Locator(".transcript li.tool")).ToHaveCountAsync(1);
            await Expect(page.Locator(".transcript li.status-line").Filter(new() { HasText = "AgentStarted" })).ToHaveCountAsync(1);
        });
    }
}
