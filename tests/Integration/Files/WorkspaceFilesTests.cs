using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Files;

[Collection(SecondApiCollection.Name)]
public sealed class WorkspaceFilesTests(ApiFactory api)
{
    [Fact]
    public async Task Placeholders_become_workspace_paths_in_the_prompt_the_agent_receives()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "Compare {{data.csv}} with {{notes.txt}}; all: {{filename}}; keep {{unknown.txt}} and {x}");
        await client.UploadTextAsync(jobId, "data.csv", "a,b\n");
        await client.UploadTextAsync(jobId, "notes.txt", "n\n");

        await client.StartJobAsync(jobId);
        var job = await client.WaitForJobAsync(jobId);

        const string expected = "Compare files/data.csv with files/notes.txt; all: files/data.csv files/notes.txt; keep {{unknown.txt}} and {x}";
        FakeClaude.Invocation(Path.Combine(api.JobsPath, jobId)).GetProperty("prompt").GetString().ShouldBe(expected);
        job.GetProperty("resolvedPrompt").GetString().ShouldBe(expected);
        File.ReadAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "files", "data.csv")).ShouldBe("a,b\n");
    }

    [Fact]
    public async Task Images_must_be_uploaded_before_the_start_and_are_named_to_the_agent()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var created = await client.CreateJobRawAsync(new { prompt = "Describe the screenshot", repository, images = new[] { "shot.png" } });
        var jobId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("jobId").GetString()!;

        (await (await client.PostAsync($"/jobs/{jobId}/start", null)).ShouldBeProblem(HttpStatusCode.BadRequest))
            .GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:image-not-uploaded");
        await client.UploadAsync(jobId, null, ("shot.png", [0x89, 0x50, 0x4e, 0x47]));
        await client.StartJobAsync(jobId);
        await client.WaitForJobAsync(jobId);

        FakeClaude.Invocation(Path.Combine(api.JobsPath, jobId)).GetProperty("prompt").GetString()!.ShouldEndWith("files/shot.png");
    }

    [Fact]
    public async Task A_files_symlink_in_the_repository_is_replaced_not_followed()
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var name = $"trap-{Guid.NewGuid():N}"[..20];
        var outside = Path.Combine(api.RootPath, "outside-" + name);
        Directory.CreateDirectory(outside);
        var (source, _) = api.Sources.Create(name);
        File.CreateSymbolicLink(Path.Combine(source, "files"), outside);
        GitRepos.Git(source, "add", "-A");
        GitRepos.Git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "trap");
        await client.RegisterAsync(name, source);
        await client.WaitForCloneAsync(name);
        var jobId = await client.CreateJobAsync(name, "scenario: instant");
        await client.UploadTextAsync(jobId, "payload.txt", "should stay inside");

        await client.StartJobAsync(jobId);
        (await client.WaitForJobAsync(jobId)).Status().ShouldBe("completed");

        Directory.GetFiles(outside).ShouldBeEmpty();
        File.ReadAllText(Path.Combine(api.JobsPath, jobId, "workspace", "files", "payload.txt")).ShouldBe("should stay inside");
    }

    [Fact]
    public async Task The_workspace_is_listed_downloaded_with_ranges_and_read_as_text()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var job = await client.RunJobAsync(repository, "scenario: plant-links");
        var jobId = job.GetProperty("jobId").GetString()!;

        var top = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files")).RootElement.EnumerateArray().ToList();
        top.Select(e => e.GetProperty("path").GetString()).ShouldContain("notes.md");
        top.Single(e => e.GetProperty("name").GetString() == "src").GetProperty("type").GetString().ShouldBe("directory");
        top.Single(e => e.GetProperty("name").GetString() == "link-shadow").GetProperty("type").GetString().ShouldBe("symlink");
        top.Single(e => e.GetProperty("name").GetString() == "bin.dat").GetProperty("size").GetInt64().ShouldBe(1024);
        var deep = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files?depth=2")).RootElement.EnumerateArray()
            .Select(e => e.GetProperty("path").GetString()).ToList();
        deep.ShouldContain("src/main.py");
        deep.ShouldNotContain(p => p!.StartsWith("dir-out/") || p.StartsWith("link-up/"));
        JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files?path=src")).RootElement.EnumerateArray()
            .Single().GetProperty("path").GetString().ShouldBe("src/main.py");

        var download = await client.GetAsync($"/jobs/{jobId}/files/download?path=bin.dat");
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).Length.ShouldBe(1024);
        download.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe("bin.dat");

        var range = new HttpRequestMessage(HttpMethod.Get, $"/jobs/{jobId}/files/download?path=bin.dat");
        range.Headers.Range = new RangeHeaderValue(10, 13);
        var partial = await client.SendAsync(range);
        partial.StatusCode.ShouldBe(HttpStatusCode.PartialContent);
        (await partial.Content.ReadAsByteArrayAsync()).ShouldBe([10, 11, 12, 13]);

        var text = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files/content?path=notes.md")).RootElement;
        text.GetProperty("content").GetString().ShouldBe("# Notes\n\nvoilà — ünïcödé\n");
        text.GetProperty("encoding").GetString().ShouldBe("utf-8");
        text.GetProperty("truncated").GetBoolean().ShouldBeFalse();
        await (await client.GetAsync($"/jobs/{jobId}/files/content?path=bin.dat")).ShouldBeProblem(HttpStatusCode.UnsupportedMediaType);
        (await client.GetAsync($"/jobs/{jobId}/files/content?path=link-inside")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Long_text_is_cut_at_the_limit_and_says_so()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var job = await client.RunJobAsync(repository, "scenario: instant");
        File.WriteAllText(Path.Combine(job.GetProperty("cowPath").GetString()!, "long.txt"), new string('x', 5000));

        var text = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{job.GetProperty("jobId").GetString()}/files/content?path=long.txt")).RootElement;

        text.GetProperty("truncated").GetBoolean().ShouldBeTrue();
        text.GetProperty("content").GetString()!.Length.ShouldBe(4096);
        text.GetProperty("size").GetInt64().ShouldBe(5000);
    }

    [Theory]
    [InlineData("link-shadow")]
    [InlineData("link-up/etc/passwd")]
    [InlineData("link-up")]
    [InlineData("dir-out/passwd")]
    [InlineData("dir-out")]
    public async Task Links_that_lead_out_of_the_workspace_are_never_followed(string path)
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = (await client.RunJobAsync(repository, "scenario: plant-links")).GetProperty("jobId").GetString()!;

        foreach (var route in new[] { "download", "content" })
        {
            var response = await client.GetAsync($"/jobs/{jobId}/files/{route}?path={Uri.EscapeDataString(path)}");
            response.StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.Forbidden);
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("root:");
        }

        (await client.GetAsync($"/jobs/{jobId}/files?path={Uri.EscapeDataString(path)}")).StatusCode.ShouldBeOneOf(HttpStatusCode.NotFound, HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("src/../../x")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("..\\..\\etc\\passwd")]
    [InlineData("~/x")]
    public async Task A_path_that_tries_to_leave_the_workspace_is_a_400(string path)
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = (await client.RunJobAsync(repository, "scenario: instant")).GetProperty("jobId").GetString()!;

        // Encoded once by the client here; the raw forms reach the server after its own decoding.
        foreach (var route in new[] { "", "/download", "/content" })
        {
            var response = await client.GetAsync($"/jobs/{jobId}/files{route}?path={Uri.EscapeDataString(path)}");
            (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetRawText().ShouldNotContain("root:");
        }
    }

    [Fact]
    public async Task Another_user_gets_404_on_every_file_route()
    {
        var (owner, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await owner.CreateJobAsync(repository, "scenario: instant");
        await owner.UploadTextAsync(jobId, "a.txt", "a");
        await owner.StartJobAsync(jobId);
        await owner.WaitForJobAsync(jobId);
        var stranger = await api.LoginAsync(api.Accounts.Add());

        await (await stranger.UploadTextAsync(jobId, "b.txt", "b")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/jobs/{jobId}/files/staged")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.DeleteAsync($"/jobs/{jobId}/files/staged/a.txt")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/jobs/{jobId}/files")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/jobs/{jobId}/files/download?path=files/a.txt")).ShouldBeProblem(HttpStatusCode.NotFound);
        await (await stranger.GetAsync($"/jobs/{jobId}/files/content?path=files/a.txt")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await owner.GetAsync($"/jobs/{jobId}/files/content?path=files/a.txt")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_workspace_not_yet_prepared_is_a_404()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var jobId = await client.CreateJobAsync(repository, "later");

        await (await client.GetAsync($"/jobs/{jobId}/files")).ShouldBeProblem(HttpStatusCode.NotFound);
    }
}
