using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ClaudeBatch.Integration.Tests.Support;

public static class JobApi
{
    private static readonly string[] Finished = ["completed", "failed", "timeout", "cancelled", "git_failed"];

    /// <summary>A user with a freshly cloned repository of their own, ready for jobs.</summary>
    public static async Task<(HttpClient Client, string Repository, TestUser User)> UserWithRepositoryAsync(this ApiFactory api)
    {
        var user = api.Accounts.Add();
        var client = await api.LoginAsync(user);
        var name = $"jobs-{Guid.NewGuid():N}"[..20];
        var (source, _) = api.Sources.Create(name, new Dictionary<string, string> { ["README.md"] = "# repo\n", ["src/main.py"] = "print(1)\n" });
        (await client.RegisterAsync(name, source)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.WaitForCloneAsync(name)).GetProperty("cloneStatus").GetString().ShouldBe("completed");
        return (client, name, user);
    }

    public static Task<HttpResponseMessage> CreateJobRawAsync(this HttpClient client, object body) =>
        client.PostAsJsonAsync("/jobs", body);

    public static async Task<string> CreateJobAsync(
        this HttpClient client, string repository, string prompt, int? timeout = null, bool gitAware = true, int? maxTurns = null)
    {
        var response = await client.PostAsJsonAsync("/jobs", new
        {
            prompt,
            repository,
            options = new { timeout, gitAware, cidxAware = false, maxTurns },
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("jobId").GetString()!;
    }

    public static async Task<JsonElement> StartJobAsync(this HttpClient client, string jobId)
    {
        var response = await client.PostAsync($"/jobs/{jobId}/start", null);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement;
    }

    public static async Task<JsonElement> GetJobAsync(this HttpClient client, string jobId) =>
        JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}")).RootElement;

    public static async Task<JsonElement> WaitForJobAsync(this HttpClient client, string jobId, Func<JsonElement, bool>? until = null, TimeSpan? timeout = null)
    {
        until ??= job => Finished.Contains(job.GetProperty("status").GetString());
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var job = await client.GetJobAsync(jobId);
            if (until(job))
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Job {jobId} did not reach the awaited state: {job}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> RunJobAsync(this HttpClient client, string repository, string prompt, int? timeout = null, bool gitAware = true)
    {
        var jobId = await client.CreateJobAsync(repository, prompt, timeout, gitAware);
        await client.StartJobAsync(jobId);
        return await client.WaitForJobAsync(jobId);
    }

    public static string Status(this JsonElement job) => job.GetProperty("status").GetString()!;

    public static async Task<List<JsonElement>> EventsAsync(this HttpClient client, string jobId) =>
        JsonDocument.Parse(await client.GetStringAsync($"/jobs/{jobId}/events")).RootElement.EnumerateArray().ToList();
}
