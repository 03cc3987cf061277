using System.Text;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ClaudeBatch.Integration.Tests.Dashboard;

/// <summary>
/// The dashboard's finer parts in headless Chromium: the highlighted diff, the file preview, the status timeline, queue
/// places and the repository filter, pulling, dropping files, the dark scheme, phone width and the keyboard.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardDetailTests(DashboardServer fixture)
{
    /// <summary>Where the README's picture of the job page is kept; the test below takes it from a real run.</summary>
    public const string ReadmeScreenshot = "dashboard-job-page.png";

    [Fact]
    public async Task The_job_page_shows_its_timeline_a_highlighted_diff_per_file_and_previews_text_and_pictures()
    {
        var jobId = await fixture.Client.CreateJobAsync(fixture.Repository, "scenario: write-code\nWrite a greeting.", gitAware: true);
        await fixture.Client.StartJobAsync(jobId);
        await fixture.Client.WaitForJobAsync(jobId);
        await fixture.InBrowserAsync(nameof(The_job_page_shows_its_timeline_a_highlighted_diff_per_file_and_previews_text_and_pictures), async page =>
        {
            await fixture.SignInAsync(page);
            await page.GotoAsync($"/#/jobs/{jobId}");
            await Expect(page.Locator("#job-status")).ToContainTextAsync("completed");

            // The timeline, in order, each step with its time.
            var steps = page.Locator(".timeline .step-name");
            await Expect(steps).ToHaveTextAsync(["created", "queued", "git pulling", "git pulled", "running", "completed"]);
            await Expect(page.Locator(".timeline li").First.Locator("time")).ToHaveAttributeAsync("datetime", new System.Text.RegularExpressions.Regex("^20"));

            // One section per file with its stat; the Python highlighted by kind, in spans holding text only.
            var python = page.Locator(".diff-file[data-path='hello.py']");
            await Expect(python.Locator("h3")).ToContainTextAsync("added");
            await Expect(python.Locator("h3")).ToContainTextAsync("+3");
            await Expect(python.Locator(".line.add .tok-kw").First).ToHaveTextAsync("def");
            await Expect(python.Locator(".line.add .tok-com")).ToHaveTextAsync("# greet the world");
            await Expect(python.Locator(".line.add .tok-str")).ToHaveTextAsync("\"hello \"");
            await Expect(python.Locator(".line.add .tok-num")).ToHaveTextAsync("2");
            await Expect(page.Locator(".diff-file[data-path='README.md'] .line.add .tok-kw")).ToHaveTextAsync("## Usage");
            await Expect(page.Locator(".diff-file[data-path='pixel.png']")).ToContainTextAsync("Binary file.");
            await Expect(page.Locator(".stat")).ToContainTextAsync("hello.py");

            // Previews: the text highlighted, the picture decoded from the bytes fetched with the bearer header.
            await page.GetByRole(AriaRole.Button, new() { Name = "Preview hello.py" }).ClickAsync();
            await Expect(page.Locator(".preview code .tok-kw").First).ToHaveTextAsync("def");
            await Expect(page.Locator(".preview pre")).ToContainTextAsync("return \"hello \" + name * 2");
            // Nothing but the heading and the text: no stray "null" from an absent part.
            await Expect(page.Locator(".preview")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^hello\.py# greet the world\s*def hello\(name\):\s*return ""hello "" \+ name \* 2\s*$"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Preview pixel.png" }).ClickAsync();
            var picture = page.Locator(".preview img");
            await Expect(picture).ToHaveAttributeAsync("alt", "pixel.png");
            await page.WaitForFunctionAsync("() => document.querySelector('.preview img')?.naturalWidth === 1");
            (await picture.GetAttributeAsync("src"))!.ShouldStartWith("blob:");

            // The README's picture of the job page, from this run (copied to docs/ by hand: see the README).
            await page.GetByRole(AriaRole.Button, new() { Name = "Preview hello.py" }).ClickAsync();
            Directory.CreateDirectory(DashboardServer.Artifacts);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DashboardServer.Artifacts, ReadmeScreenshot), FullPage = true });

            // At phone width the job page scrolls only down, as does the jobs list.
            await page.SetViewportSizeAsync(390, 844);
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
            await page.GotoAsync("/#/jobs");
            await Expect(page.Locator($"tr[data-job='{jobId}']")).ToBeVisibleAsync();
            (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390);
        });
    }

    [Fact]
    public async Task The_highlighter_builds_text_nodes_only_and_knows_the_common_languages()
    {
        await fixture.InBrowserAsync(nameof(The_highlighter_builds_text_nodes_only_and_knows_the_common_languages), async page =>
        {
            await page.GotoAsync("/");
            var html = await page.EvaluateAsync<string>("""
                async () => {
                  const { highlightText } = await import('/highlight.js');
                  const box = document.createElement('pre');
                  box.append(highlightText('const x = "<img src=x onerror=alert(1)>"; // <script>alert(2)</script>\n<b onclick="y">', 'javascript'));
                  box.append(highlightText('<img src=x onerror=alert(3)> <!-- <script> -->', 'html'));
                  return box.innerHTML;
                }
                """);
            html.ShouldNotContain("<img");
            html.ShouldNotContain("<script");
            html.ShouldNotContain("<b ");
            html.ShouldContain("<span class=\"tok-str\">\"&lt;img src=x onerror=alert(1)&gt;\"</span>");
            html.ShouldContain("<span class=\"tok-com\">// &lt;script&gt;alert(2)&lt;/script&gt;</span>");
            html.ShouldContain("<span class=\"tok-tag\">&lt;img</span>");

            var kinds = await page.EvaluateAsync<JsonElement>("""
                async () => {
                  const { tokenize, languageOf } = await import('/highlight.js');
                  const sample = {
                    'a.cs': 'public sealed record Job(int Id); // note',
                    'a.ts': 'export const n = 42; /* c */',
                    'a.py': 'def f(): return None  # c',
                    'a.go': 'func main() { s := `raw` }',
                    'a.rs': 'fn main() { let x = 1; }',
                    'A.java': 'public class A { int x = 0x1F; }',
                    'a.sh': 'if [ -n "$x" ]; then echo $#; fi # c',
                    'a.json': '{"key": true, "n": 1.5}',
                    'a.yaml': 'name: "x" # c',
                    'a.css': 'a { color: red; } /* c */',
                    'README.md': '# Title',
                  };
                  const out = {};
                  for (const [name, line] of Object.entries(sample)) {
                    const language = languageOf(name);
                    out[name] = { language, kinds: tokenize(line, language).runs.filter(r => r[0]).map(r => `${r[0]}:${r[1].trim()}`) };
                  }
                  // A block comment left open runs on to the next line.
                  const first = tokenize('x = 1; /* open', 'javascript');
                  out.carried = tokenize('still a comment */ y', 'javascript', first.state).runs.map(r => r[0]);
                  return out;
                }
                """);
            string[] Kinds(string file) => kinds.GetProperty(file).GetProperty("kinds").EnumerateArray().Select(k => k.GetString()!).ToArray();
            kinds.GetProperty("a.cs").GetProperty("language").GetString().ShouldBe("csharp");
            Kinds("a.cs").ShouldBe(["kw:public", "kw:sealed", "kw:record", "kw:int", "com:// note"]);
            Kinds("a.ts").ShouldBe(["kw:export", "kw:const", "num:42", "com:/* c */"]);
            Kinds("a.py").ShouldBe(["kw:def", "kw:return", "kw:None", "com:# c"]);
            Kinds("a.go").ShouldBe(["kw:func", "str:`raw`"]);
            Kinds("a.rs").ShouldBe(["kw:fn", "kw:let", "num:1"]);
            Kinds("A.java").ShouldBe(["kw:public", "kw:class", "kw:int", "num:0x1F"]);
            Kinds("a.sh").ShouldBe(["kw:if", "str:\"$x\"", "kw:then", "kw:fi", "com:# c"]);
            Kinds("a.json").ShouldBe(["key:\"key\"", "kw:true", "key:\"n\"", "num:1.5"]);
            Kinds("a.yaml").ShouldBe(["key:name", "str:\"x\"", "com:# c"]);
            Kinds("a.css").ShouldBe(["com:/* c */"]);
            Kinds("README.md").ShouldBe(["kw:# Title"]);
            kinds.GetProperty("carried").EnumerateArray().Select(k => k.GetString()).First().ShouldBe("com");
        });
    }

    [Fact]
    public async Task The_jobs_list_shows_a_waiting_jobs_place_and_filters_by_repository_on_the_server()
    {
        var other = "queue-" + Guid.NewGuid().ToString("N")[..6];
        var (origin, _) = fixture.Settings.Sources.Create(other, new Dictionary<string, string> { ["a.txt"] = "a\n" });
        (await fixture.Client.RegisterAsync(other, origin)).EnsureSuccessStatusCode();
        await fixture.Client.WaitForCloneAsync(other);
        var holding = new List<string>();
        try
        {
            // The server's three slots (Jobs:MaxConcurrent = 3) taken by sleeping jobs, so the next one waits.
            for (var i = 0; i < 3; i++)
            {
                var id = await fixture.Client.CreateJobAsync(fixture.Repository, "scenario: sleep\nhold a slot", gitAware: false);
                holding.Add(id);
                await fixture.Client.StartJobAsync(id);
            }

            foreach (var id in holding)
            {
                await fixture.Client.WaitForJobAsync(id, j => j.Status() == "running");
            }

            var waiting = await fixture.Client.CreateJobAsync(other, "scenario: success\nwait your turn", gitAware: false);
            holding.Add(waiting);
            await fixture.Client.StartJobAsync(waiting);

            await fixture.InBrowserAsync(nameof(The_jobs_list_shows_a_waiting_jobs_place_and_filters_by_repository_on_the_server), async page =>
            {
                await fixture.SignInAsync(page);
                await Expect(page.Locator($"tr[data-job='{waiting}']")).ToContainTextAsync("queued#1");
                await Expect(page.Locator($"tr[data-job='{holding[0]}']")).Not.ToContainTextAsync("#");

                var listed = page.WaitForRequestAsync(r => r.Url.Contains($"repository={other}"));
                await page.GetByLabel("Repository").SelectOptionAsync(other);
                await listed;
                await Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
                await Expect(page.Locator("tbody tr")).ToHaveAttributeAsync("data-job", waiting);
                await Expect(page.Locator("main")).ToContainTextAsync("1 job · page 1 of 1");
                await page.GetByLabel("Repository").SelectOptionAsync("");
                await Expect(page.Locator($"tr[data-job='{holding[0]}']")).ToBeVisibleAsync();

                // Its own page says so too, and the timeline has it queued.
                await page.Locator($"tr[data-job='{waiting}'] a").ClickAsync();
                await Expect(page.Locator("#job-status")).ToContainTextAsync("queued#1 in the queue");
                await Expect(page.Locator(".timeline .step-name").Last).ToHaveTextAsync("queued");
            });
        }
        finally
        {
            foreach (var id in holding)
            {
                await fixture.Client.PostAsync($"/jobs/{id}/cancel", null);
            }

            foreach (var id in holding)
            {
                await fixture.Client.WaitForJobAsync(id);
            }
        }
    }

    [Fact]
    public async Task Pull_brings_a_new_commit_of_the_origin_into_the_repository_row()
    {
        var name = "pull-" + Guid.NewGuid().ToString("N")[..6];
        var (origin, first) = fixture.Settings.Sources.Create(name, new Dictionary<string, string> { ["a.txt"] = "a\n" });
        (await fixture.Client.RegisterAsync(name, origin)).EnsureSuccessStatusCode();
        await fixture.Client.WaitForCloneAsync(name);
        await fixture.InBrowserAsync(nameof(Pull_brings_a_new_commit_of_the_origin_into_the_repository_row), async page =>
        {
            await fixture.SignInAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Repositories" }).ClickAsync();
            var row = page.Locator($"tr[data-repository='{name}']");
            await Expect(row.Locator(".commit")).ToHaveTextAsync(first[..8]);

            File.WriteAllText(Path.Combine(origin, "b.txt"), "b\n");
            GitRepos.Git(origin, "add", "-A");
            GitRepos.Git(origin, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "Second");
            var second = GitRepos.Git(origin, "rev-parse", "HEAD");
            await row.GetByRole(AriaRole.Button, new() { Name = "Pull" }).ClickAsync();
            await Expect(row.Locator(".commit")).ToHaveTextAsync(second[..8]);
            await Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        });
    }

    [Fact]
    public async Task Dropped_files_are_chosen_and_uploaded_with_the_progress_bar_filling()
    {
        await fixture.InBrowserAsync(nameof(Dropped_files_are_chosen_and_uploaded_with_the_progress_bar_filling), async page =>
        {
            await fixture.SignInAsync(page);
            await page.GotoAsync("/#/new");
            await page.GetByLabel("Repository", new() { Exact = true }).SelectOptionAsync(fixture.Repository);
            await page.GetByLabel("Prompt").FillAsync("scenario: success\nSummarize {{dropped.txt}}.");
            await Expect(page.Locator(".placeholders")).ToContainTextAsync("{{dropped.txt}} ✗");

            // A drop as the browser makes it: a DragEvent whose DataTransfer holds the files (800 KB, so the upload takes steps).
            var transfer = await page.EvaluateHandleAsync("""
                () => {
                  const transfer = new DataTransfer();
                  transfer.items.add(new File(['x'.repeat(800 * 1024)], 'dropped.txt', { type: 'text/plain' }));
                  transfer.items.add(new File([new Uint8Array([0x89, 0x50, 0x4E, 0x47])], 'shot.png', { type: 'image/png' }));
                  return transfer;
                }
                """);
            await page.Locator(".drop").DispatchEventAsync("dragover", new { dataTransfer = transfer });
            await Expect(page.Locator(".drop")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("over"));
            await page.Locator(".drop").DispatchEventAsync("drop", new { dataTransfer = transfer });
            await Expect(page.Locator(".placeholders")).ToContainTextAsync("{{dropped.txt}} ✓");
            await Expect(page.GetByLabel("shot.png is an image")).ToBeCheckedAsync();
            await Expect(page.Locator(".chosen")).ToContainTextAsync("800.0 KiB");

            // Every value the progress bar takes is recorded (it reflects to its attribute), then the job is made.
            await page.EvaluateAsync("""
                () => {
                  window.progressSeen = [];
                  const bar = document.querySelector('main progress');
                  new MutationObserver(() => window.progressSeen.push({ value: Number(bar.value), hidden: bar.hidden }))
                    .observe(bar, { attributes: true });
                }
                """);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create and start" }).ClickAsync();
            await Expect(page.Locator("#job-status")).ToBeVisibleAsync();
            var seen = await page.EvaluateAsync<JsonElement>("() => window.progressSeen");
            var values = seen.EnumerateArray().Select(s => s.GetProperty("value").GetDouble()).ToList();
            values.ShouldContain(100);
            seen.EnumerateArray().ShouldContain(s => !s.GetProperty("hidden").GetBoolean(), "the bar was shown");

            var jobId = System.Text.RegularExpressions.Regex.Match(page.Url, "#/jobs/([0-9a-f-]+)").Groups[1].Value;
            var job = await fixture.Client.WaitForJobAsync(jobId);
            job.GetProperty("resolvedPrompt").GetString()!.ShouldContain("files/dropped.txt");
            var staged = JsonDocument.Parse(await fixture.Client.GetStringAsync($"/jobs/{jobId}/files/staged")).RootElement;
            staged.EnumerateArray().Select(f => f.GetProperty("fileSize").GetInt64()).ShouldContain(800 * 1024);
        });
    }

    [Fact]
    public async Task The_dark_scheme_follows_the_system_setting()
    {
        await fixture.InBrowserAsync(nameof(The_dark_scheme_follows_the_system_setting), async page =>
        {
            await page.GotoAsync("/");
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
            var light = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
            var dark = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            light.ShouldBe("rgb(255, 255, 255)");
            dark.ShouldNotBe(light);
            var text = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).color");
            text.ShouldBe("rgb(230, 232, 235)");
        });
    }

    [Fact]
    public async Task Tab_reaches_the_main_controls_and_Enter_activates_them()
    {
        await fixture.InBrowserAsync(nameof(Tab_reaches_the_main_controls_and_Enter_activates_them), async page =>
        {
            await fixture.SignInAsync(page);
            await Expect(page.Locator("tbody")).ToBeAttachedAsync();
            var reached = new List<string>();
            await page.Locator(".brand").FocusAsync();
            for (var i = 0; i < 12; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                reached.Add(await page.EvaluateAsync<string>(
                    "() => { const e = document.activeElement; return e.id || e.getAttribute('aria-label') || e.textContent.trim(); }"));
            }

            reached.ShouldContain("Jobs");
            reached.ShouldContain("Repositories");
            reached.ShouldContain("signout");
            reached.ShouldContain("filter-status");
            reached.ShouldContain("filter-repository");
            reached.IndexOf("New job").ShouldBeGreaterThanOrEqualTo(0, string.Join(", ", reached));

            // Back to the main "New job" link by keyboard, and Enter follows it.
            await page.Locator("main a.button").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New job" })).ToBeVisibleAsync();
            // On the form, Tab goes from the repository to the prompt.
            await page.GetByLabel("Repository", new() { Exact = true }).FocusAsync();
            await page.Keyboard.PressAsync("Tab");
            (await page.EvaluateAsync<string>("() => document.activeElement.id")).ShouldBe("prompt");
        });
    }
}
