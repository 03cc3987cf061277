using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Files;

/// <summary>Uploads in the shared host: Uploads:MaxFileBytes 1 MiB, Uploads:MaxJobBytes 2.5 MiB.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class UploadTests(ApiFactory api)
{
    private async Task<(HttpClient Client, string JobId, string Repository)> CreatedJobAsync(string prompt = "hello")
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        return (client, await client.CreateJobAsync(repository, prompt), repository);
    }

    [Fact]
    public async Task One_file_is_streamed_to_staging_and_described()
    {
        var (client, jobId, _) = await CreatedJobAsync();
        var content = Encoding.UTF8.GetBytes("a,b\n1,2\n");

        var response = await client.UploadAsync(jobId, null, ("data.csv", content));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var file = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Single();
        file.GetProperty("filename").GetString().ShouldBe("data.csv");
        file.GetProperty("path").GetString().ShouldBe("files/data.csv");
        file.GetProperty("fileType").GetString().ShouldBe("text/plain");
        file.GetProperty("fileSize").GetInt64().ShouldBe(content.Length);
        file.GetProperty("overwritten").GetBoolean().ShouldBeFalse();
        file.GetProperty("sha256").GetString().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
        var serverPath = file.GetProperty("serverPath").GetString()!;
        serverPath.ShouldStartWith(Path.Combine(api.JobsPath, jobId, "staging") + "/");
        Path.GetFileName(serverPath).ShouldNotContain("data.csv");
        File.ReadAllBytes(serverPath).ShouldBe(content);
        var events = await client.EventsAsync(jobId);
        events.Last().GetProperty("type").GetString().ShouldBe("FileStaged");
    }

    [Fact]
    public async Task Many_files_in_one_request_are_all_staged_and_listed()
    {
        var (client, jobId, _) = await CreatedJobAsync();

        var response = await client.UploadAsync(jobId, null, ("a.txt", [1]), ("b.txt", [2, 2]), ("c.png", [3, 3, 3]));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var listed = JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files/staged")).RootElement.EnumerateArray()
            .Select(f => (f.GetProperty("filename").GetString(), f.GetProperty("fileSize").GetInt64())).ToList();
        listed.ShouldBe([("a.txt", 1L), ("b.txt", 2L), ("c.png", 3L)]);
    }

    [Fact]
    public async Task The_same_name_again_is_a_409_unless_overwrite_is_asked_for()
    {
        var (client, jobId, _) = await CreatedJobAsync();
        var first = JsonDocument.Parse(await (await client.UploadTextAsync(jobId, "spec.md", "v1")).Content.ReadAsStringAsync()).RootElement[0];

        await (await client.UploadTextAsync(jobId, "spec.md", "v2")).ShouldBeProblem(HttpStatusCode.Conflict);
        var replaced = await client.UploadTextAsync(jobId, "spec.md", "version 2", overwrite: true);

        var second = JsonDocument.Parse(await replaced.Content.ReadAsStringAsync()).RootElement[0];
        second.GetProperty("overwritten").GetBoolean().ShouldBeTrue();
        File.ReadAllText(second.GetProperty("serverPath").GetString()!).ShouldBe("version 2");
        File.Exists(first.GetProperty("serverPath").GetString()).ShouldBeFalse();
        JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files/staged")).RootElement.GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task A_file_at_the_limit_is_accepted_and_one_byte_more_is_a_413_that_leaves_nothing()
    {
        var (client, jobId, _) = await CreatedJobAsync();
        const int limit = 1024 * 1024;

        (await client.UploadAsync(jobId, null, ("exact.bin", new byte[limit]))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var tooBig = await client.UploadAsync(jobId, null, ("big.bin", new byte[limit + 1]));

        var problem = await tooBig.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge);
        problem.GetProperty("detail").GetString()!.ShouldContain("Uploads:MaxFileBytes");
        Directory.GetFiles(Path.Combine(api.JobsPath, jobId, "staging")).Length.ShouldBe(1);
    }

    [Fact]
    public async Task The_job_s_total_is_limited_too()
    {
        var (client, jobId, _) = await CreatedJobAsync();

        (await client.UploadAsync(jobId, null, ("1.bin", new byte[1024 * 1024]), ("2.bin", new byte[1024 * 1024]))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await client.UploadAsync(jobId, null, ("3.bin", new byte[600 * 1024]))).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge);
        (await client.UploadAsync(jobId, null, ("3.bin", new byte[500 * 1024]))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("/tmp/x")]
    [InlineData("..\\x")]
    [InlineData("%2e%2e%2fx")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("..hidden")]
    public async Task A_name_with_a_path_in_it_is_refused_and_nothing_is_written_anywhere(string name)
    {
        var (client, jobId, _) = await CreatedJobAsync();
        // Not following links: other tests leave workspaces with links that loop back up the tree.
        var walk = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var before = Directory.GetFileSystemEntries(api.JobsPath, "*", walk);

        var response = await client.UploadTextAsync(jobId, name, "payload");

        (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:invalid-file-name");
        Directory.GetFileSystemEntries(api.JobsPath, "*", walk).Except(before).Where(p => !p.EndsWith("staging")).ShouldBeEmpty();
        File.Exists("/tmp/x").ShouldBeFalse();
    }

    [Fact]
    public async Task A_part_whose_content_type_holds_a_NUL_is_a_400_not_a_database_error()
    {
        var (client, jobId, _) = await CreatedJobAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(
            "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nContent-Type: text/a\0b\r\n\r\nx\r\n--B--\r\n"));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=B");

        var response = await client.PostAsync($"/jobs/{jobId}/files", content);

        (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("contentType", out _).ShouldBeTrue();
        JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files/staged")).RootElement.GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_name_over_255_bytes_is_refused()
    {
        var (client, jobId, _) = await CreatedJobAsync();

        await (await client.UploadTextAsync(jobId, new string('é', 128) + ".txt", "x")).ShouldBeProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Files_can_be_removed_before_the_start_and_not_uploaded_after_it()
    {
        var (client, jobId, _) = await CreatedJobAsync("scenario: instant");
        await client.UploadTextAsync(jobId, "a.txt", "a");

        (await client.DeleteAsync($"/jobs/{jobId}/files/staged/a.txt")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await client.DeleteAsync($"/jobs/{jobId}/files/staged/a.txt")).ShouldBeProblem(HttpStatusCode.NotFound);
        Directory.GetFiles(Path.Combine(api.JobsPath, jobId, "staging")).ShouldBeEmpty();

        await client.StartJobAsync(jobId);
        await (await client.UploadTextAsync(jobId, "late.txt", "late")).ShouldBeProblem(HttpStatusCode.Conflict);
        await client.WaitForJobAsync(jobId);
    }

    [Fact]
    public async Task A_request_that_is_not_multipart_is_refused()
    {
        var (client, jobId, _) = await CreatedJobAsync();

        var response = await client.PostAsync($"/jobs/{jobId}/files", new StringContent("{}", Encoding.UTF8, "application/json"));

        await response.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("other", "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nx\r\n--B--\r\n")]
    [InlineData("B", "")]
    [InlineData("B", "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nx")]
    [InlineData("B", "--B\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nx\r\n--B")]
    [InlineData("B", "--B\r\nX-Long: {long}\r\n\r\nx\r\n--B--\r\n")]
    [InlineData("B", "--B\r\n{many}\r\nx\r\n--B--\r\n")]
    [InlineData("{boundary}", "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nx\r\n--{boundary}--\r\n")]
    public async Task A_multipart_body_that_breaks_its_framing_is_a_400_problem_and_leaves_no_partial_file(string boundary, string body)
    {
        var (client, jobId, _) = await CreatedJobAsync();
        // A boundary longer than RFC 2046's 70 characters (5,000 here: more than the reader's buffer).
        boundary = boundary.Replace("{boundary}", new string('b', 5_000));
        body = body.Replace("{boundary}", boundary).Replace("{long}", new string('h', 20_000)).Replace("{many}", string.Concat(Enumerable.Range(0, 30).Select(i => $"X-H{i}: v\r\n")));
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");

        var response = await client.PostAsync($"/jobs/{jobId}/files", content);

        (await response.ShouldBeProblem(HttpStatusCode.BadRequest)).GetProperty("type").GetString().ShouldBe("urn:claude-batch:problem:malformed-request");
        // A file whose content was cut off is not kept (whole ones before the break are, as with any later error).
        var staging = Path.Combine(api.JobsPath, jobId, "staging");
        var stored = Directory.Exists(staging) ? Directory.GetFiles(staging) : [];
        stored.Length.ShouldBe(JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/files/staged")).RootElement.GetArrayLength());
        stored.ShouldNotContain(f => f.EndsWith(".part"));
    }
}
