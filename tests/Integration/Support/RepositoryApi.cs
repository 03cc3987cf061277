using System.Net.Http.Json;
using System.Text.Json;

namespace ClaudeBatch.Integration.Tests.Support;

public static class RepositoryApi
{
    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string name, string gitUrl, string description = "") =>
        client.PostAsJsonAsync("/repositories/register", new { name, gitUrl, description });

    /// <summary>Polls <c>GET /repositories/{name}</c> until the clone has finished one way or the other.</summary>
    public static async Task<JsonElement> WaitForCloneAsync(this HttpClient client, string name, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var view = JsonDocument.Parse(await client.GetStringAsync($"/repositories/{name}")).RootElement;
            var status = view.GetProperty("cloneStatus").GetString();
            if (status is not ("cloning" or "cidx_indexing"))
            {
                return view;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Repository {name} is still cloning after {timeout}.");
            }

            await Task.Delay(100);
        }
    }
}
